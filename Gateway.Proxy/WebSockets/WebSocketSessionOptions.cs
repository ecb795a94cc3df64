using System.ComponentModel.DataAnnotations;

namespace Gateway.Proxy.WebSockets;

/// <summary>How the gateway closes the WebSockets it carries (<c>Gateway:WebSockets</c>).</summary>
internal sealed class WebSocketSessionOptions
{
    public const string SectionName = "Gateway:WebSockets";

    /// <summary>
    /// How long a close the gateway starts (revocation, shutdown, idle timeout) may take: its close
    /// frame waits for the end of a frame in progress, then both sides get this long to answer it.
    /// Past it the connections are ended as they stand.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Open sockets whose credentials are checked again at once after an invalidation that does not
    /// name them (a user changed, or invalidations were missed); the others wait their turn, so
    /// thousands of sockets do not take every auth lookup slot requests need.
    /// </summary>
    [Range(1, 256)]
    public int MaxConcurrentRevalidations { get; set; } = 8;
}
