using Gateway.Auth.V1;
using Grpc.Core;
using AuthClient = Gateway.Auth.V1.AuthService.AuthServiceClient;

namespace Gateway.Proxy.Authentication;

/// <summary>
/// Opens the HTTP/2 connection to the auth service (service discovery, TCP, HTTP/2 settings) and
/// JIT-compiles the call path (one call, then concurrent rounds) in the background at start-up, so that the first real cache miss is
/// not the one paying for it against a deadline of a few hundred milliseconds.
/// </summary>
internal sealed partial class AuthServiceWarmup(AuthClient client, ILogger<AuthServiceWarmup> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Well-formed but never issued: the service answers "invalid" after one indexed lookup.
        var probe = new ValidateTokenRequest { Credential = "gw_at_" + new string('0', 43) };
        for (var attempt = 1; attempt <= 30 && !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await client.ValidateTokenAsync(probe, deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: stoppingToken);
                // Then a few concurrent rounds, as the first burst of cache misses will send: the
                // concurrent paths (more streams, flow control) are compiled before they count.
                for (var round = 0; round < 4; round++)
                {
                    await Task.WhenAll(Enumerable.Range(0, 16).Select(_ =>
                        client.ValidateTokenAsync(probe, deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: stoppingToken).ResponseAsync));
                }

                Log.Warm(logger, attempt);
                return;
            }
            catch (RpcException ex) when (!stoppingToken.IsCancellationRequested)
            {
                Log.NotYet(logger, ex.StatusCode);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Debug, Message = "Auth service connection warm after {Attempts} attempt(s)")]
        public static partial void Warm(ILogger logger, int attempts);

        [LoggerMessage(Level = LogLevel.Debug, Message = "Auth service not reachable for warm-up yet: {StatusCode}")]
        public static partial void NotYet(ILogger logger, StatusCode statusCode);
    }
}
