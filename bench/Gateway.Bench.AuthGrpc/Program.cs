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
var client = new AuthService.AuthServiceClient(channel);
try
{
    var cases = await BenchCases.CreateAsync(client);
    var measurements = await new LoadRunner(client, options).RunAsync(cases);
    Console.Write(ResultTable.Format(cases, measurements, options));
    return measurements.SelectMany(m => m).Any(m => m.Errors > 0) ? 1 : 0;
}
catch (Exception ex) when (ex is RpcException or InvalidOperationException)
{
    Console.Error.WriteLine($"[auth-grpc] setup failed: {ex.Message}");
    return 1;
}
