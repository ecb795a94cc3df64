using System.Globalization;
using System.IO.Compression;
using System.Text.RegularExpressions;

namespace Gateway.Bench.Report.Profile;

/// <summary>One target's perf samples, summed by leaf, by stack presence and by the component charged.</summary>
internal sealed partial class StackAnalysis
{
    /// <summary>Groups that do not own work: the charged view walks past them to the nearest caller that does.</summary>
    private static readonly HashSet<string> Generic =
    [
        "async machinery (state machines, tasks)", "thread pool, timers, locks", "BCL other (strings, collections, ...)", "other managed", "System.IO.Pipelines",
    ];

    private static readonly string[] NativeGenericPrefixes = ["kernel", "libc", "CLR runtime", "other native"];

    public long Total { get; private set; }

    public Tally SelfMethod { get; } = new();

    public Tally SelfGroup { get; } = new();

    public Tally InclusiveMethod { get; } = new();

    public Tally InclusiveGroup { get; } = new();

    public Tally Charged { get; } = new();

    public Tally Threads { get; } = new();

    public Tally Tiers { get; } = new();

    /// <summary>µs per request of one sample period: process CPU µs/req (/proc) ÷ the samples' total.</summary>
    public double Scale { get; set; }

    public RuntimeCounters? Counters { get; set; }

    public double Us(long period) => period * Scale;

    public static StackAnalysis Read(string path)
    {
        var analysis = new StackAnalysis();
        foreach (var (comm, period, stack) in Samples(path))
        {
            analysis.Add(comm, period, stack);
        }

        return analysis;
    }

    private void Add(string comm, long period, List<Frame> stack)
    {
        Total += period;
        var thread = TrailingNumber().Replace(comm, string.Empty);
        Threads.Add(thread, period);
        if (stack.Count == 0)
        {
            SelfMethod.Add("[no stack]", period);
            SelfGroup.Add("other native", period);
            Charged.Add("other native", period);
            return;
        }

        var leaf = stack[0];
        var leafGroup = leaf.Group == "kernel" ? FrameParser.KernelBucket(stack) : leaf.Group;
        SelfMethod.Add(leaf.Name, period);
        SelfGroup.Add(leafGroup, period);
        if (leaf.Tier.Length > 0)
        {
            Tiers.Add(leaf.Tier, period);
        }

        foreach (var name in stack.Select(f => f.Name).Distinct(StringComparer.Ordinal))
        {
            InclusiveMethod.Add(name, period);
        }

        foreach (var group in stack.Select(f => f.Group).Distinct(StringComparer.Ordinal))
        {
            InclusiveGroup.Add(group, period);
        }

        // Charged: JIT and tiering on their own; otherwise the nearest frame (leaf first) of a
        // component that owns work, past kernel, libc, runtime helpers and generic BCL frames.
        string owner;
        if (thread.StartsWith(".NET Tiered", StringComparison.Ordinal) || stack.Any(f => f.Group == "JIT"))
        {
            owner = "JIT / tiered compilation";
        }
        else
        {
            owner = stack.Select(f => f.Group).FirstOrDefault(g => !Generic.Contains(g) && !NativeGenericPrefixes.Any(p => g.StartsWith(p, StringComparison.Ordinal)))
                ?? stack.Select(f => f.Group).FirstOrDefault(Generic.Contains)
                ?? (leafGroup.StartsWith("kernel", StringComparison.Ordinal) ? leafGroup : leaf.Group);
        }

        Charged.Add(owner, period);
    }

    /// <summary>(thread name, period ns, stack leaf first) of each sample of a gzipped <c>perf script</c> output.</summary>
    private static IEnumerable<(string Comm, long Period, List<Frame> Stack)> Samples(string path)
    {
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        (string Comm, long Period)? header = null;
        var frames = new List<Frame>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0 && (line[0] == '\t' || line[0] == ' ') && header is not null)
            {
                if (FrameParser.ParseLine(line) is { } frame)
                {
                    frames.Add(frame);
                }

                continue;
            }

            if (line.Trim().Length == 0)
            {
                if (header is { } done)
                {
                    yield return (done.Comm, done.Period, frames);
                }

                header = null;
                frames = [];
                continue;
            }

            header = Header(line);
            frames = [];
        }

        if (header is { } last)
        {
            yield return (last.Comm, last.Period, frames);
        }
    }

    /// <summary>
    /// "comm tid period" (Python's <c>rsplit(None, 2)</c>): the command name may hold spaces, so the
    /// last two words are the numbers; whatever leads the name is kept, as the Python report kept it.
    /// </summary>
    private static (string, long)? Header(string line)
    {
        var text = line.TrimEnd();
        var end = text.Length;
        var last = string.Empty;
        for (var word = 0; word < 2; word++)
        {
            var start = end;
            while (start > 0 && !char.IsWhiteSpace(text[start - 1]))
            {
                start--;
            }

            if (word == 0)
            {
                last = text[start..end];
            }

            end = start;
            while (end > 0 && char.IsWhiteSpace(text[end - 1]))
            {
                end--;
            }

            if (end == 0)
            {
                return null;
            }
        }

        return long.TryParse(last, NumberStyles.Integer, CultureInfo.InvariantCulture, out var period) ? (text[..end], period) : null;
    }

    [GeneratedRegex(@"\s*\d+$")]
    private static partial Regex TrailingNumber();
}
