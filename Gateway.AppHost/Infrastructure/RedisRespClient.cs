using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Gateway.AppHost.Infrastructure;

/// <summary>
/// The few RESP exchanges the AppHost's health checks need (AUTH, PING, CLUSTER INFO) over one
/// TCP connection, so that the AppHost carries no Redis client library. Replies other than simple
/// strings, errors and bulk strings are not needed and are refused.
/// </summary>
internal sealed class RedisRespClient : IDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[4096];
    private int _start;
    private int _end;

    private RedisRespClient(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static async Task<RedisRespClient> ConnectAsync(string host, int port, CancellationToken cancellationToken)
    {
        var client = new TcpClient();
        try
        {
            await client.ConnectAsync(host, port, cancellationToken);
            return new RedisRespClient(client);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Sends one command and reads its reply: <see cref="RespReply.IsError"/> for a <c>-ERR</c>-style
    /// reply, else its text (a simple or bulk string).
    /// </summary>
    public async Task<RespReply> SendAsync(CancellationToken cancellationToken, params string[] arguments)
    {
        var command = new StringBuilder();
        command.Append('*').Append(arguments.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        foreach (var argument in arguments)
        {
            command.Append('$').Append(Encoding.UTF8.GetByteCount(argument).ToString(CultureInfo.InvariantCulture)).Append("\r\n")
                .Append(argument).Append("\r\n");
        }

        await _stream.WriteAsync(Encoding.UTF8.GetBytes(command.ToString()), cancellationToken);

        var line = await ReadLineAsync(cancellationToken);
        switch (line[0])
        {
            case '+':
                return new RespReply(false, line[1..]);
            case '-':
                return new RespReply(true, line[1..]);
            case '$':
                var length = int.Parse(line.AsSpan(1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                if (length < 0)
                {
                    return new RespReply(false, string.Empty);
                }

                var bytes = await ReadExactlyAsync(length + 2, cancellationToken);
                return new RespReply(false, Encoding.UTF8.GetString(bytes, 0, length));
            default:
                throw new IOException($"Unexpected RESP reply type '{line[0]}'.");
        }
    }

    public void Dispose()
    {
        _stream.Dispose();
        _client.Dispose();
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var index = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (index >= 0)
            {
                if (index - 1 <= _start || _buffer[index - 1] != '\r')
                {
                    throw new IOException("Malformed RESP line.");
                }

                var line = Encoding.UTF8.GetString(_buffer, _start, index - 1 - _start);
                _start = index + 1;
                return line;
            }

            await FillAsync(cancellationToken);
        }
    }

    private async Task<byte[]> ReadExactlyAsync(int count, CancellationToken cancellationToken)
    {
        var result = new byte[count];
        var copied = 0;
        while (copied < count)
        {
            if (_start == _end)
            {
                await FillAsync(cancellationToken);
            }

            var take = Math.Min(count - copied, _end - _start);
            Array.Copy(_buffer, _start, result, copied, take);
            _start += take;
            copied += take;
        }

        return result;
    }

    private async Task FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            throw new IOException("RESP line longer than the buffer.");
        }

        var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
        if (read == 0)
        {
            throw new IOException("Redis closed the connection.");
        }

        _end += read;
    }
}
