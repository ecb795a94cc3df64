using System.Text;

namespace Gateway.Proxy.GrpcCalls;

/// <summary>The <c>grpc-message</c> encoding (gRPC over HTTP/2: percent-encoded UTF-8).</summary>
internal static class GrpcMessage
{
    /// <summary>
    /// Bytes of the UTF-8 text outside printable ASCII, and '%' itself, as <c>%XX</c>; the rest as
    /// they are. Header values must be ASCII, and gRPC clients decode exactly this.
    /// </summary>
    public static string Encode(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!message.AsSpan().ContainsAnyExceptInRange(' ', '~') && !message.Contains('%', StringComparison.Ordinal))
        {
            return message;
        }

        var builder = new StringBuilder(message.Length + 16);
        foreach (var b in Encoding.UTF8.GetBytes(message))
        {
            if (b is >= 0x20 and <= 0x7E and not (byte)'%')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }
}
