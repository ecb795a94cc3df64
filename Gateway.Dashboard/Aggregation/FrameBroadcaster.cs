using System.Collections.Concurrent;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace Gateway.Dashboard.Aggregation;

/// <summary>
/// Fans one frame out to every viewer: the frame is computed and serialised once per interval,
/// whatever the number of viewers, and each viewer gets a reference to the same string through
/// its own small channel. A viewer that cannot keep up loses its oldest unread frames (each
/// frame is a complete state, so the newest is all it needs); nobody waits for it.
/// </summary>
public sealed class FrameBroadcaster(IOptions<StreamOptions> options, TimeProvider time)
{
    private const int HistoryLength = 180;

    private readonly ConcurrentDictionary<long, Channel<PublishedFrame>> _viewers = new();
    private readonly Lock _historyGate = new();
    private readonly Queue<ChartPoint> _history = new();
    private PublishedFrame? _latest;
    private long _nextViewer;
    private long _dropped;

    public DashboardFrame? Latest => Volatile.Read(ref _latest)?.Frame;

    public int Viewers => _viewers.Count;

    /// <summary>Frames a slow viewer never read because newer ones replaced them.</summary>
    public long DroppedFrames => Interlocked.Read(ref _dropped);

    public void Publish(DashboardFrame frame)
    {
        var published = new PublishedFrame(frame, JsonSerializer.Serialize(frame, DashboardJsonContext.Default.DashboardFrame));
        Volatile.Write(ref _latest, published);
        lock (_historyGate)
        {
            _history.Enqueue(ChartPoint.From(frame));
            while (_history.Count > HistoryLength)
            {
                _history.Dequeue();
            }
        }

        foreach (var viewer in _viewers.Values)
        {
            viewer.Writer.TryWrite(published);
        }
    }

    /// <summary>
    /// One viewer's event stream: <c>history</c> (recent chart points) first, then a <c>frame</c>
    /// per interval, and a <c>heartbeat</c> when no frame came for a while, so proxies and the
    /// browser keep the connection open and the page can tell a stalled stream from a quiet one.
    /// </summary>
    public async IAsyncEnumerable<SseItem<string>> StreamAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextViewer);
        var channel = Channel.CreateBounded<PublishedFrame>(
            new BoundedChannelOptions(options.Value.ViewerBuffer) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = false },
            _ => Interlocked.Increment(ref _dropped));
        // The newest frame goes first, so a new viewer has numbers at once; registering after
        // queueing it keeps frames in order (a frame published in between is at worst skipped).
        if (Volatile.Read(ref _latest) is { } latest)
        {
            channel.Writer.TryWrite(latest);
        }

        _viewers[id] = channel;
        long lastSent = 0;
        try
        {
            var retry = options.Value.ReconnectDelay;
            yield return new SseItem<string>(HistoryJson(), "history") { ReconnectionInterval = retry };

            Task<bool>? waiting = null;
            while (!cancellationToken.IsCancellationRequested)
            {
                waiting ??= channel.Reader.WaitToReadAsync(cancellationToken).AsTask();
                var heartbeat = Task.Delay(options.Value.HeartbeatInterval, time, cancellationToken);
                if (await Task.WhenAny(waiting, heartbeat) != waiting)
                {
                    if (heartbeat.IsCanceled)
                    {
                        yield break;
                    }

                    yield return new SseItem<string>("{}", "heartbeat");
                    continue;
                }

                if (!await waiting.ConfigureAwait(false))
                {
                    yield break;
                }

                waiting = null;
                while (channel.Reader.TryRead(out var frame))
                {
                    if (frame.Frame.Sequence > lastSent)
                    {
                        lastSent = frame.Frame.Sequence;
                        yield return FrameItem(frame);
                    }
                }
            }
        }
        finally
        {
            _viewers.TryRemove(id, out _);
        }
    }

    private static SseItem<string> FrameItem(PublishedFrame frame) =>
        new(frame.Json, "frame") { EventId = frame.Frame.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    private string HistoryJson()
    {
        ChartPoint[] points;
        lock (_historyGate)
        {
            points = [.. _history];
        }

        return JsonSerializer.Serialize(points, DashboardJsonContext.Default.ChartPointArray);
    }

    private sealed record PublishedFrame(DashboardFrame Frame, string Json);
}
