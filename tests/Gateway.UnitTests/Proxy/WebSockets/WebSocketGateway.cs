using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Security.Cryptography;
using Gateway.Proxy.Authentication;
using Gateway.Proxy.Limits;
using Gateway.Proxy.Telemetry;
using Gateway.Proxy.WebSockets;
using Gateway.UnitTests.Proxy.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.UnitTests.Proxy.WebSockets;

/// <summary>
/// A WebSocket echo backend and a proxy in front of it, both real Kestrel on loopback with real
/// YARP, the proxy's auth cache, credential lookups, telemetry middleware, body limit and
/// WebSocket sessions as the gateway registers them; only the auth service is the test's
/// (<see cref="Validator"/>), and authentication is the cached fast path (credentials are put in
/// the cache with <see cref="Issue"/>). Routes: <c>/api</c> (authenticated), <c>/pro</c> (plan
/// <c>pro</c>), each to the backend's <c>/ws/echo</c>.
/// </summary>
internal sealed class WebSocketGateway : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly WebApplication _backend;
    private readonly WebApplication _proxy;

    private WebSocketGateway(WebApplication backend, WebApplication proxy, SwitchableValidator validator)
    {
        _backend = backend;
        _proxy = proxy;
        Validator = validator;
    }

    public SwitchableValidator Validator { get; }

    public AuthCache Cache => _proxy.Services.GetRequiredService<AuthCache>();

    public ProxyMetrics Metrics => _proxy.Services.GetRequiredService<ProxyMetrics>();

    /// <summary>The close status each backend socket received, in the order they ended.</summary>
    public ConcurrentQueue<WebSocketCloseStatus?> BackendCloses { get; } = new();

    public Uri Address { get; private set; } = null!;

    public bool Http2 { get; private init; }

    /// <param name="activityTimeout">The cluster's <c>HttpRequest.ActivityTimeout</c> (YARP's default: 100 s).</param>
    /// <param name="http2">The proxy listens for HTTP/2 only (cleartext, prior knowledge): WebSockets arrive as extended CONNECT.</param>
    public static async Task<WebSocketGateway> StartAsync(TimeSpan? activityTimeout = null, TimeProvider? time = null, bool http2 = false)
    {
        var backend = await StartBackendAsync();
        var validator = new SwitchableValidator();
        var gateway = new WebSocketGateway(backend.App, BuildProxy(backend.Address, activityTimeout, time ?? TimeProvider.System, validator, http2), validator)
        {
            Http2 = http2,
        };
        backend.Closes = gateway.BackendCloses;
        await gateway._proxy.StartAsync().WaitAsync(Timeout);
        gateway.Address = new Uri(gateway._proxy.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());
        return gateway;
    }

    /// <summary>A new credential the proxy's cache holds as valid for <paramref name="principal"/> (as after its first request).</summary>
    public string Issue(GatewayPrincipal principal)
    {
        var token = "gw_at_" + Base64Url(RandomNumberGenerator.GetBytes(32));
        Cache.Store(CredentialKey.From(token), AuthLookup.Valid(principal, expiresAt: null), Cache.Generation);
        Validator.Answer(token, AuthLookup.Valid(principal, expiresAt: null));
        return token;
    }

    public static GatewayPrincipal Caller(string plan = "free", string? userId = null) =>
        new(userId ?? Guid.NewGuid().ToString("D"), "caller", plan, [], 1_000, 60, "access_token", "tag");

    public async Task<ClientWebSocket> ConnectAsync(string route, string token)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        // No keep-alive pings: a test of the idle timeout must be idle.
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        socket.Options.CollectHttpResponseDetails = true;
        var uri = new UriBuilder(Address) { Scheme = "ws", Path = $"/{route}/ws/echo" }.Uri;
        if (!Http2)
        {
            await socket.ConnectAsync(uri, CancellationToken.None).WaitAsync(Timeout);
            return socket;
        }

        socket.Options.HttpVersion = System.Net.HttpVersion.Version20;
        socket.Options.HttpVersionPolicy = System.Net.Http.HttpVersionPolicy.RequestVersionExact;
        await socket.ConnectAsync(uri, new System.Net.Http.HttpMessageInvoker(new System.Net.Http.SocketsHttpHandler()), CancellationToken.None).WaitAsync(Timeout);
        return socket;
    }

    /// <summary>Stops the proxy as the host does on SIGTERM (ApplicationStopping first, then the server).</summary>
    public Task StopProxyAsync() => _proxy.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _backend.DisposeAsync();
    }

    private static WebApplication BuildProxy(Uri backend, TimeSpan? activityTimeout, TimeProvider time, SwitchableValidator validator, bool http2)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(System.Net.IPAddress.Loopback, 0, listen => listen.Protocols = http2 ? HttpProtocols.Http2 : HttpProtocols.Http1);
            // Far below what the test sockets carry: the upgraded stream must not be held to a body limit.
            kestrel.Limits.MaxRequestBodySize = 1_024;
        });
        builder.Logging.ClearProviders();
        AuthServices.Register(builder, validator, time);
        builder.Services.AddProblemDetails();
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy("authenticated", policy => policy.RequireAuthenticatedUser())
            .AddPolicy("pro-plan", policy => policy.RequireAuthenticatedUser().RequireClaim(GatewayAuthentication.Claims.Plan, "pro"));
        builder.AddGatewayWebSockets();
        builder.Services.AddReverseProxy().LoadFromMemory(
            [Route("api", "authenticated"), Route("pro", "pro-plan")],
            [new ClusterConfig
            {
                ClusterId = "backend",
                HttpRequest = new ForwarderRequestConfig { ActivityTimeout = activityTimeout },
                Destinations = new Dictionary<string, DestinationConfig> { ["backend"] = new() { Address = backend.ToString() } },
            }]);

        var app = builder.Build();
        app.UseMiddleware<RequestTelemetryMiddleware>();
        app.UseMiddleware<RequestBodyLimitMiddleware>();
        var cached = app.Services.GetRequiredService<CachedAuthentication>();
        app.Use((context, next) =>
        {
            cached.TryAuthenticate(context);
            return next(context);
        });
        app.UseAuthorization();
        app.MapReverseProxy(proxy => proxy.UseWebSocketSessions());
        return app;
    }

    private static RouteConfig Route(string space, string policy) => new()
    {
        RouteId = space,
        ClusterId = "backend",
        AuthorizationPolicy = policy,
        Match = new RouteMatch { Path = $"/{space}/{{**rest}}" },
        Transforms = [new Dictionary<string, string> { ["PathPattern"] = "/ws/echo" }],
    };

    private static async Task<Backend> StartBackendAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var backend = new Backend(app);
        app.UseWebSockets();
        app.Map("/ws/echo", async context =>
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[64 * 1024];
            try
            {
                while (true)
                {
                    var received = await socket.ReceiveAsync(buffer.AsMemory(), context.RequestAborted);
                    if (received.MessageType == WebSocketMessageType.Close)
                    {
                        backend.Closes?.Enqueue(socket.CloseStatus);
                        await socket.CloseOutputAsync(socket.CloseStatus ?? WebSocketCloseStatus.NormalClosure, socket.CloseStatusDescription, context.RequestAborted);
                        return;
                    }

                    await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, context.RequestAborted);
                }
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                backend.Closes?.Enqueue(null);
            }
        });
        await app.StartAsync().WaitAsync(Timeout);
        backend.Address = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());
        return backend;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed class Backend(WebApplication app)
    {
        public WebApplication App { get; } = app;

        public Uri Address { get; set; } = null!;

        public ConcurrentQueue<WebSocketCloseStatus?>? Closes { get; set; }
    }

    /// <summary>The auth service as the test sets it: an answer per credential (unknown ones are invalid), and the calls counted.</summary>
    internal sealed class SwitchableValidator : IAuthValidator
    {
        private readonly ConcurrentDictionary<string, AuthLookup> _answers = new(StringComparer.Ordinal);
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public void Answer(string credential, AuthLookup answer) => _answers[credential] = answer;

        public Task<AuthLookup> ValidateAsync(string credential)
        {
            Interlocked.Increment(ref _calls);
            return Task.FromResult(_answers.TryGetValue(credential, out var answer) ? answer : AuthLookup.Invalid);
        }
    }
}
