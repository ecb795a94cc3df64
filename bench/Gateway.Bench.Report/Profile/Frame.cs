namespace Gateway.Bench.Report.Profile;

/// <summary>One stack frame of a perf sample: a display name, the component group it belongs to, the JIT tier of managed code.</summary>
internal sealed record Frame(string Name, string Group, string Tier);
