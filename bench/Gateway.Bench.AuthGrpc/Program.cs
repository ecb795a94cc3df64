using Gateway.Auth.V1;
using Gateway.Bench.AuthGrpc;
using Grpc.Core;

// ValidateToken under load over real gRPC (h2c) against a running auth service: a warm-up pass,
// interleaved rounds over four kinds of credential, a markdown table on stdout. Started by
// bench/auth-grpc.sh, which also starts the service; see bench/README.md.
BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or UriFormatException)
{
    Console.Error.WriteLine($"{ex.Message}\n\n{BenchOptions.Usage}");
    return 2;
}

using var channel = AuthChannel.Create(options.Address);
using var baselineChannel = options.Baseline is { } baseline ? AuthChannel.Create(baseline) : null;
List<Target> targets = [new("this build", new AuthService.AuthServiceClient(channel), options.Servers)];
if (baselineChannel is not null)
{
    targets.Add(new("baseline", new AuthService.AuthServiceClient(baselineChannel), options.BaselineServers));
}

try
{
    // Each target gets its own user and credentials; case-major order puts the builds side by side.
    var casesByTarget = new List<IReadOnlyList<BenchCase>>();
    foreach (var target in targets)
    {
        casesByTarget.Add(await BenchCases.CreateAsync(target.Client));
    }

    var runs = Enumerable.Range(0, casesByTarget[0].Count)
        .SelectMany(c => targets.Select((target, t) => new BenchRun(target, casesByTarget[t][c])))
        .ToList();
    var measurements = await new LoadRunner(options).RunAsync(runs);
    Console.Write(ResultTable.Format(runs, measurements, options));
    return measurements.SelectMany(m => m).Any(m => m.Errors > 0) ? 1 : 0;
}
catch (Exception ex) when (ex is RpcException or InvalidOperationException)
{
    Console.Error.WriteLine($"[auth-grpc] setup failed: {ex.Message}");
    return 1;
}
