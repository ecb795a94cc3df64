using System.Globalization;

namespace Gateway.Proxy.GrpcCalls;

/// <summary>
/// The <c>grpc-timeout</c> header (gRPC over HTTP/2): at most 8 digits and a unit, <c>H</c> hours,
/// <c>M</c> minutes, <c>S</c> seconds, <c>m</c> milliseconds, <c>u</c> microseconds, <c>n</c>
/// nanoseconds.
/// </summary>
internal static class GrpcTimeout
{
    public const string HeaderName = "grpc-timeout";

    private const int MaxDigits = 8;
    private const long MaxValue = 99_999_999;

    /// <summary>
    /// The longest timeout the gateway enforces: a timer cannot be set further out (about 49 days).
    /// A longer one is as good as none; the backend still gets it and enforces it.
    /// </summary>
    public static readonly TimeSpan MaxEnforced = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    // Above nanoseconds (which are finer than a tick), finest first: Format picks the finest unit
    // that can say the value in 8 digits.
    private static readonly (char Unit, long Ticks)[] CoarserUnits =
    [
        ('u', 10),
        ('m', TimeSpan.TicksPerMillisecond),
        ('S', TimeSpan.TicksPerSecond),
        ('M', TimeSpan.TicksPerMinute),
        ('H', TimeSpan.TicksPerHour),
    ];

    /// <summary>Parses a well-formed value; anything else (a client's typo) is no timeout, as Grpc.AspNetCore treats it.</summary>
    public static bool TryParse(string? value, out TimeSpan timeout)
    {
        timeout = default;
        if (value is null || value.Length is < 2 or > MaxDigits + 1)
        {
            return false;
        }

        if (!long.TryParse(value.AsSpan(0, value.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            return false;
        }

        long? ticks = value[^1] switch
        {
            'H' => amount * TimeSpan.TicksPerHour,
            'M' => amount * TimeSpan.TicksPerMinute,
            'S' => amount * TimeSpan.TicksPerSecond,
            'm' => amount * TimeSpan.TicksPerMillisecond,
            'u' => amount * 10,
            'n' => amount / 100,
            _ => null,
        };
        if (ticks is not { } t)
        {
            return false;
        }

        timeout = TimeSpan.FromTicks(t);
        return true;
    }

    /// <summary>The header value for <paramref name="timeout"/>, rounded down to the finest unit that fits; at least 1 ns.</summary>
    public static string Format(TimeSpan timeout)
    {
        var ticks = Math.Max(0, timeout.Ticks);
        if (ticks <= MaxValue / 100)
        {
            return (ticks == 0 ? "1" : (ticks * 100).ToString(CultureInfo.InvariantCulture)) + "n";
        }

        foreach (var (unit, perUnit) in CoarserUnits)
        {
            var amount = ticks / perUnit;
            if (amount <= MaxValue)
            {
                return amount.ToString(CultureInfo.InvariantCulture) + unit;
            }
        }

        return MaxValue.ToString(CultureInfo.InvariantCulture) + "H";
    }
}
