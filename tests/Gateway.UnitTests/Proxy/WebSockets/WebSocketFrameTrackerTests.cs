using CsCheck;
using Gateway.Proxy.WebSockets;

namespace Gateway.UnitTests.Proxy.WebSockets;

/// <summary>
/// The frame tracker finds every frame boundary whatever the writes look like: headers and payloads
/// split anywhere, 7-, 16- and 64-bit lengths, masked (client) and unmasked (server) frames.
/// </summary>
public sealed class WebSocketFrameTrackerTests
{
    private static readonly byte[][] Stream =
    [
        Frames.Build(Frames.Text, 5),
        Frames.Build(Frames.Binary, 0),
        Frames.Build(Frames.Text, 125, masked: true),
        Frames.Build(Frames.Binary, 126),
        Frames.Build(Frames.Binary, 300, length: Frames.Length.Bits64, masked: true),
        Frames.Build(Frames.Text, 40, fin: false),
        Frames.Build(Frames.Ping, 3),
        Frames.Build(Frames.Continuation, 70_000),
        Frames.Build(Frames.Close, 2),
    ];

    private static readonly byte[] Bytes = Stream.SelectMany(frame => frame).ToArray();

    /// <summary>The offsets at which a frame ends.</summary>
    private static readonly HashSet<int> Boundaries = Stream.Select((_, i) => Stream.Take(i + 1).Sum(frame => frame.Length)).ToHashSet();

    [Fact]
    public void Consume_AnySplitIntoWrites_AtBoundaryExactlyAtFrameEnds()
    {
        Gen.Int[1, 20_000].Array[1, 40].Sample(sizes =>
        {
            var tracker = new WebSocketFrameTracker();
            var offset = 0;
            foreach (var size in Chunks(sizes))
            {
                tracker.Consume(Bytes.AsSpan(offset, size));
                offset += size;
                Assert.Equal(Boundaries.Contains(offset), tracker.AtBoundary);
            }

            Assert.True(tracker.CloseCompleted);
        });
    }

    [Fact]
    public void Consume_ByteByByte_BoundaryAfterEachFrameOnly_CountsFinalDataFrames_CloseOnlyOnceItsHeaderPassed()
    {
        var tracker = new WebSocketFrameTracker();
        var closeStart = Bytes.Length - Stream[^1].Length;
        for (var i = 0; i < Bytes.Length; i++)
        {
            Assert.Equal(i >= closeStart + 2, tracker.CloseStarted);
            tracker.Consume(Bytes.AsSpan(i, 1));
            Assert.Equal(Boundaries.Contains(i + 1), tracker.AtBoundary);
        }

        // Text, binary, text, binary, binary, the continuation that ends the fragmented text; not the ping or the close.
        Assert.Equal(6, tracker.Messages);
    }

    [Fact]
    public void ConsumeToBoundary_AnySplit_TakesExactlyTheRestOfTheFrameInProgress()
    {
        Gen.Select(Gen.Int[0, Bytes.Length - 1], Gen.Int[1, 80_000]).Sample((start, size) =>
        {
            var tracker = new WebSocketFrameTracker();
            tracker.Consume(Bytes.AsSpan(0, start));
            var chunk = Bytes.AsSpan(start, Math.Min(size, Bytes.Length - start));

            var taken = tracker.ConsumeToBoundary(chunk);

            var frameEnd = Boundaries.Where(end => end > start).Min();
            var expected = Boundaries.Contains(start) ? 0 : Math.Min(frameEnd - start, chunk.Length);
            Assert.Equal(expected, taken);
            Assert.Equal(Boundaries.Contains(start + taken), tracker.AtBoundary);
        });
    }

    [Fact]
    public void ConsumeToBoundary_AtABoundary_TakesNothing()
    {
        var tracker = new WebSocketFrameTracker();
        tracker.Consume(Stream[0]);

        Assert.Equal(0, tracker.ConsumeToBoundary(Stream[1]));
        Assert.True(tracker.AtBoundary);
    }

    [Fact]
    public void LengthWithTheTopBitSet_IsNoFrame_NeverABoundaryAgain()
    {
        var frame = Frames.Build(Frames.Binary, 0, length: Frames.Length.Bits64);
        frame[2] = 0x80;
        var tracker = new WebSocketFrameTracker();

        tracker.Consume(frame);
        tracker.Consume(Frames.Build(Frames.Text, 1));

        Assert.True(tracker.Broken);
        Assert.False(tracker.AtBoundary);
        Assert.Equal(3, tracker.ConsumeToBoundary(new byte[3]));
    }

    /// <summary>The sizes, cycled and cut to cover the bytes exactly.</summary>
    private static IEnumerable<int> Chunks(int[] sizes)
    {
        var left = Bytes.Length;
        for (var i = 0; left > 0; i++)
        {
            var size = Math.Min(sizes[i % sizes.Length], left);
            left -= size;
            yield return size;
        }
    }
}
