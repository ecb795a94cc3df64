using System.Globalization;

namespace Gateway.Chaos;

internal sealed class ChaosOptions
{
    public const string Usage = """
        Usage: Gateway.Chaos [--soak [--minutes N]] [--workers N] [--hold S]

          (default)     kill each service in turn under traffic, print a per-fault table
          --soak        measure capacity, then hold ~70% of it for --minutes (default 5)
          --workers N   concurrent request loops (default 8)
          --hold S      seconds each fault is held before the restart (default 10)
          --only NAME   only this fault: redis, auth, postgres, proxy or sampleapi (repeatable)
        """;

    public bool Soak { get; private set; }

    public int SoakMinutes { get; private set; } = 5;

    public int Workers { get; private set; } = 8;

    public TimeSpan Hold { get; private set; } = TimeSpan.FromSeconds(10);

    /// <summary>Faults to run; empty: all of them.</summary>
    public List<string> Only { get; } = [];

    public static ChaosOptions Parse(string[] args)
    {
        var options = new ChaosOptions();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--soak":
                    options.Soak = true;
                    break;
                case "--minutes":
                    options.SoakMinutes = PositiveInt(args, ++i);
                    break;
                case "--workers":
                    options.Workers = PositiveInt(args, ++i);
                    break;
                case "--hold":
                    options.Hold = TimeSpan.FromSeconds(PositiveInt(args, ++i));
                    break;
                case "--only" when i + 1 < args.Length:
                    options.Only.Add(args[++i]);
                    break;
                default:
                    throw new ArgumentException($"Unknown option '{args[i]}'.");
            }
        }

        return options;
    }

    private static int PositiveInt(string[] args, int index) =>
        index < args.Length && int.TryParse(args[index], NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"{args[index - 1]} takes a positive integer.");
}
