namespace Gateway.Bench.AuthGrpc;

/// <summary>A process tree whose CPU time is charged to the calls, e.g. <c>auth=1234</c>.</summary>
internal sealed record ServerProcess(string Name, int Pid);
