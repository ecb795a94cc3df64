using System.Net;

namespace Gateway.Proxy.RateLimiting;

/// <summary>
/// The keys one approximate-mode sync call may carry together: on one server, all of them
/// (<c>default</c>); on a cluster, the keys of one primary (<paramref name="Node"/>) or of one slot.
/// </summary>
/// <param name="Node">The primary serving the keys when grouped by node; null when grouped by slot or not a cluster.</param>
/// <param name="Slot">The keys' slot when grouped by slot; 0 when not a cluster, -1 in a node group.</param>
internal readonly record struct SyncGroup(EndPoint? Node, int Slot)
{
    /// <summary>Every key of the group is on one slot (or one server), so all can be declared to Redis.</summary>
    public bool OneSlot => Node is null;
}
