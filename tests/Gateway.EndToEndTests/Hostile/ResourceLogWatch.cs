using System.Collections.Concurrent;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Gateway.EndToEndTests.Infrastructure;
using Gateway.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.EndToEndTests.Hostile;

/// <summary>
/// Collects the console log lines of the proxy replicas, the auth service and the sample API while
/// a test runs (Aspire's <see cref="ResourceLoggerService"/>), so the test can assert that no secret
/// it sent was ever written to a log.
/// </summary>
public sealed class ResourceLogWatch : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _lines = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _watchers = [];

    private ResourceLogWatch()
    {
    }

    /// <summary>Resource ids of the proxy replicas (each with its own address), in watch order.</summary>
    public IReadOnlyList<(string Id, Uri Address)> ProxyReplicas { get; private set; } = [];

    public string AuthId { get; private set; } = string.Empty;

    public static async Task<ResourceLogWatch> StartAsync(DistributedApplication app)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var watch = new ResourceLogWatch();
        var replicas = await ResourceReplicas.WaitForAllHealthyAsync(app, "proxy", expected: 2, cts.Token);
        watch.ProxyReplicas = replicas.Select(r => (r.ResourceId, ResourceReplicas.HttpAddress(r))).ToList();
        watch.AuthId = (await app.ResourceNotifications.WaitForResourceHealthyAsync("auth", cts.Token)).ResourceId;
        var sampleApi = (await app.ResourceNotifications.WaitForResourceHealthyAsync("sampleapi", cts.Token)).ResourceId;

        var loggers = app.Services.GetRequiredService<ResourceLoggerService>();
        foreach (var id in watch.ProxyReplicas.Select(r => r.Id).Append(watch.AuthId).Append(sampleApi))
        {
            var lines = watch._lines.GetOrAdd(id, _ => new ConcurrentQueue<string>());
            watch._watchers.Add(Task.Run(async () =>
            {
                try
                {
                    await foreach (var batch in loggers.WatchAsync(id).WithCancellation(watch._stop.Token))
                    {
                        foreach (var line in batch)
                        {
                            lines.Enqueue(line.Content);
                        }
                    }
                }
                catch (OperationCanceledException)
                {
                }
            }));
        }

        return watch;
    }

    /// <summary>Waits until resource <paramref name="id"/> has logged a line containing <paramref name="marker"/>.</summary>
    public Task WaitForLineAsync(string id, string marker, TimeSpan timeout) =>
        Poll.UntilAsync(
            _ => Task.FromResult(_lines.TryGetValue(id, out var lines) ? lines.FirstOrDefault(l => l.Contains(marker, StringComparison.Ordinal)) : null),
            timeout,
            $"{id} to log a line containing {marker}");

    /// <summary>Every collected line that contains one of <paramref name="secrets"/>.</summary>
    public IReadOnlyList<string> LinesContainingAny(IReadOnlyCollection<string> secrets) =>
        _lines.SelectMany(pair => pair.Value.Select(line => (pair.Key, line)))
            .Where(entry => secrets.Any(secret => entry.line.Contains(secret, StringComparison.Ordinal)))
            .Select(entry => $"{entry.Key}: {entry.line}")
            .ToList();

    public int LineCount => _lines.Values.Sum(lines => lines.Count);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_watchers).WaitAsync(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }
}
