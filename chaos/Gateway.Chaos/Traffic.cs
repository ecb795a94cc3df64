using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;

namespace Gateway.Chaos;

/// <summary>
/// Bounded, steady load on the gateway: a fixed number of request loops, each request with its own
/// short deadline, connections recycled every second so that DCP's balancer spreads them over both
/// replicas (it balances per TCP connection) and new connections meet a replica that died.
/// </summary>
internal sealed class Traffic : IAsyncDisposable
{
    /// <summary>
    /// Above the gateway's own 5 s backend activity timeout, so that what the gateway answers is
    /// measured rather than the client's impatience; slow answers are counted separately.
    /// </summary>
    public static readonly TimeSpan RequestDeadline = TimeSpan.FromSeconds(6);

    /// <summary>Answers slower than this are reported as slow.</summary>
    public const double SlowMs = 2000;

    /// <summary>
    /// PBKDF2 makes a registration cost ~0.1-0.3 s of CPU: one at a time, and a deadline above the
    /// gateway's own 10 s deadline for account calls, so that its answer is what gets measured.
    /// </summary>
    public static readonly TimeSpan RegisterDeadline = TimeSpan.FromSeconds(12);

    private readonly Uri _address;
    private readonly string _token;
    private readonly ConcurrentQueue<Sample> _samples = new();
    private readonly Stopwatch _clock;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private readonly List<HttpClient> _clients = [];
    private long _issued;
    private double _pacingStartMs;
    private double _ratePerSecond;

    public Traffic(Uri address, string token, Stopwatch clock)
    {
        _address = address;
        _token = token;
        _clock = clock;
    }

    public IEnumerable<Sample> Samples => _samples;

    public double NowMs => _clock.Elapsed.TotalMilliseconds;

    /// <summary>Caps the total request rate of the main loops (0: as fast as they go).</summary>
    public void SetRate(double perSecond)
    {
        _pacingStartMs = NowMs;
        Interlocked.Exchange(ref _issued, 0);
        _ratePerSecond = perSecond;
    }

    public void Start(int workers, bool probes, bool registrations)
    {
        for (var i = 0; i < workers; i++)
        {
            var client = NewClient();
            var first = (RouteKind)(i % 2);
            _loops.Add(Task.Run(() => MainLoopAsync(client, first)));
        }

        if (probes)
        {
            var client = NewClient();
            _loops.Add(Task.Run(() => PeriodicAsync(TimeSpan.FromMilliseconds(500), () => UncachedAsync(client))));
        }

        if (registrations)
        {
            var client = NewClient();
            _loops.Add(Task.Run(() => PeriodicAsync(TimeSpan.FromSeconds(1), () => RegisterAsync(client))));
        }
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops);
        _loops.Clear();
    }

    private HttpClient NewClient()
    {
        var client = new HttpClient(new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromSeconds(1),
            ConnectTimeout = TimeSpan.FromSeconds(2),
        })
        {
            BaseAddress = _address,
            Timeout = Timeout.InfiniteTimeSpan, // Each request has its own deadline.
        };
        _clients.Add(client);
        return client;
    }

    private async Task MainLoopAsync(HttpClient client, RouteKind next)
    {
        while (!_stop.IsCancellationRequested)
        {
            if (_ratePerSecond > 0)
            {
                var slot = Interlocked.Increment(ref _issued);
                var dueMs = _pacingStartMs + (slot * 1000 / _ratePerSecond);
                var wait = dueMs - NowMs;
                if (wait > 1)
                {
                    try
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(wait), _stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            }

            using var request = new HttpRequestMessage(HttpMethod.Get, next == RouteKind.Authenticated ? "/api/hello" : "/public/hello");
            if (next == RouteKind.Authenticated)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
            }

            await SendAsync(client, request, next, RequestDeadline, userName: null);
            next = next == RouteKind.Authenticated ? RouteKind.Anonymous : RouteKind.Authenticated;
        }
    }

    private Task UncachedAsync(HttpClient client)
    {
        // Shaped like a real access token, so the proxy must ask the auth service (or refuse with 503).
        var token = "gw_at_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/hello");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return SendAndDisposeAsync(client, request, RouteKind.Uncached, RequestDeadline, userName: null);
    }

    private Task RegisterAsync(HttpClient client)
    {
        var userName = $"chaos-w-{Guid.NewGuid():N}"[..30];
        var request = new HttpRequestMessage(HttpMethod.Post, "/auth/register")
        {
            Content = JsonContent.Create(new { userName, password = "chaos-password-1" }),
        };
        return SendAndDisposeAsync(client, request, RouteKind.Register, RegisterDeadline, userName);
    }

    private async Task PeriodicAsync(TimeSpan interval, Func<Task> action)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                await action();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task SendAndDisposeAsync(HttpClient client, HttpRequestMessage request, RouteKind route, TimeSpan deadline, string? userName)
    {
        using (request)
        {
            await SendAsync(client, request, route, deadline, userName);
        }
    }

    private async Task SendAsync(HttpClient client, HttpRequestMessage request, RouteKind route, TimeSpan deadline, string? userName)
    {
        using var timeout = new CancellationTokenSource(deadline);
        var start = NowMs;
        short status;
        var retryAfter = false;
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
            status = (short)response.StatusCode;
            retryAfter = response.Headers.RetryAfter is not null;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            status = Sample.DeadlineExceeded;
        }
        catch (HttpRequestException)
        {
            status = Sample.ConnectionError;
        }

        // Requests cut short by the end of the run are not measurements.
        if (!_stop.IsCancellationRequested || status > 0)
        {
            _samples.Enqueue(new Sample(start, (float)(NowMs - start), route, status, retryAfter, userName));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_loops.Count > 0)
        {
            await StopAsync();
        }

        foreach (var client in _clients)
        {
            client.Dispose();
        }

        _stop.Dispose();
    }
}
