using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.EndToEndTests.Infrastructure;

/// <summary>Finds the individual replicas of a project resource and their own addresses.</summary>
public static class ResourceReplicas
{
    /// <summary>Waits until <paramref name="expected"/> replicas are running and healthy.</summary>
    public static async Task<IReadOnlyList<ResourceEvent>> WaitForAllHealthyAsync(
        DistributedApplication app, string resourceName, int expected, CancellationToken cancellationToken)
    {
        var latest = new Dictionary<string, ResourceEvent>();
        await foreach (var resourceEvent in app.ResourceNotifications.WatchAsync(cancellationToken))
        {
            if (resourceEvent.Resource.Name != resourceName)
            {
                continue;
            }

            latest[resourceEvent.ResourceId] = resourceEvent;
            var healthy = latest.Values
                .Where(e => e.Snapshot.State?.Text == KnownResourceStates.Running && e.Snapshot.HealthStatus == HealthStatus.Healthy)
                .ToList();
            if (healthy.Count >= expected)
            {
                return healthy;
            }
        }

        throw new OperationCanceledException(cancellationToken);
    }

    /// <summary>The replica's own HTTP base address (not DCP's load-balancing proxy).</summary>
    public static Uri HttpAddress(ResourceEvent replica)
    {
        // The listener Kestrel binds when the AppHost declares its endpoints (Listeners/), else
        // the first of Aspire's URLs.
        if (KestrelAddress(replica, "http") is { } listener)
        {
            return listener;
        }

        var urls = replica.Snapshot.EnvironmentVariables
            .FirstOrDefault(v => v.Name == "ASPNETCORE_URLS")?.Value
            ?? throw new InvalidOperationException($"{replica.ResourceId} has no ASPNETCORE_URLS.");
        return new Uri(urls.Split(';')[0]);
    }

    /// <summary>The replica's own address of the Kestrel endpoint <paramref name="endpoint"/> (e.g. <c>h2c</c>), if it has one.</summary>
    public static Uri? KestrelAddress(ResourceEvent replica, string endpoint) =>
        replica.Snapshot.EnvironmentVariables.FirstOrDefault(v => v.Name == $"Kestrel__Endpoints__{endpoint}__Url")?.Value is { } url
            ? new Uri(url)
            : null;
}
