using System.Collections.Concurrent;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;

namespace Gateway.SampleApi.Apis;

/// <summary>
/// <c>{space}/sse?id=&lt;guid&gt;</c>: a server-sent-events stream that writes one event, then holds
/// the response open until <c>POST {space}/sse/{id}/release</c> (or <see cref="MaxHold"/>), then
/// writes a second event and ends. A client that reads the first event before it releases the
/// stream has seen it arrive while the backend still held the response: nothing on the way buffered it.
/// </summary>
internal sealed class HeldStreams
{
    public const string EventType = "sample";

    /// <summary>How long a stream waits for its release at most (a client that never sends one costs this).</summary>
    public static readonly TimeSpan MaxHold = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<Guid, TaskCompletionSource> _held = new();

    public IResult Stream(Guid id, CancellationToken cancellationToken) =>
        _held.ContainsKey(id)
            ? TypedResults.Problem(detail: "A stream with this id is already open.", statusCode: StatusCodes.Status409Conflict)
            : TypedResults.ServerSentEvents(EventsAsync(id, cancellationToken));

    public IResult Release(Guid id)
    {
        if (!_held.TryGetValue(id, out var release))
        {
            return TypedResults.Problem(detail: "No stream with this id is open.", statusCode: StatusCodes.Status404NotFound);
        }

        release.TrySetResult();
        return TypedResults.NoContent();
    }

    private async IAsyncEnumerable<SseItem<string>> EventsAsync(Guid id, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_held.TryAdd(id, release))
        {
            yield break;
        }

        try
        {
            yield return new SseItem<string>("held", EventType) { EventId = "1" };
            var released = await ReleasedAsync(release.Task, cancellationToken);
            yield return new SseItem<string>(released ? "released" : "timed out", EventType) { EventId = "2" };
        }
        finally
        {
            _held.TryRemove(id, out _);
        }
    }

    private static async Task<bool> ReleasedAsync(Task release, CancellationToken cancellationToken)
    {
        try
        {
            await release.WaitAsync(MaxHold, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}
