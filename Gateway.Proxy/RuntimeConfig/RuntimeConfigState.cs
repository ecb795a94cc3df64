using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Proxy.RuntimeConfig;

/// <summary>
/// The version this replica serves, swapped whole (one volatile reference), and the change token
/// that tells YARP when the next one is there. Also what the replica could not apply, for health,
/// metrics and the dashboard.
/// </summary>
internal sealed class RuntimeConfigState
{
    private readonly Lock _gate = new();
    private volatile RuntimeConfigSnapshot? _current;
    private volatile RuntimeConfigSnapshot? _previous;
    private CancellationTokenSource _changed = new();
    private volatile RejectedVersion? _rejected;

    /// <summary>The version served; null only before the first load.</summary>
    public RuntimeConfigSnapshot? Current => _current;

    /// <summary>
    /// The version served before <see cref="Current"/>: YARP applies a version a moment after it
    /// is swapped in, and until then requests still reach the previous version's endpoints.
    /// </summary>
    public RuntimeConfigSnapshot? Previous => _previous;

    /// <summary>The newest version this replica refused to apply, if it is newer than the one served.</summary>
    public RejectedVersion? Rejected => _rejected is { } rejected && rejected.Version > (_current?.Version ?? 0) ? rejected : null;

    public IProxyConfig ProxyConfig()
    {
        lock (_gate)
        {
            var current = _current ?? throw new InvalidOperationException("No configuration was loaded yet.");
            return current.ProxyConfig(new CancellationChangeToken(_changed.Token));
        }
    }

    public void Apply(RuntimeConfigSnapshot snapshot)
    {
        CancellationTokenSource fired;
        lock (_gate)
        {
            _previous = _current;
            _current = snapshot;
            fired = _changed;
            _changed = new CancellationTokenSource();
        }

        // Outside the lock: YARP's callback asks for the new configuration at once.
        fired.Cancel();
        fired.Dispose();
    }

    public void Reject(long version, string error) => _rejected = new RejectedVersion(version, error);
}

internal sealed record RejectedVersion(long Version, string Error);
