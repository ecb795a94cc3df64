namespace Gateway.Bench.AuthGrpc;

internal sealed record CpuSample(long[] ServerTicks, long CoreTicks);
