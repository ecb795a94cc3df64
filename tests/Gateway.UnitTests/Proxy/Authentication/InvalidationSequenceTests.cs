using Gateway.Proxy.Authentication;

namespace Gateway.UnitTests.Proxy.Authentication;

/// <summary>
/// Whether a replica received every auth invalidation, from the numbers of the messages and from
/// readings of the last number Redis gave out.
/// </summary>
public sealed class InvalidationSequenceTests
{
    [Fact]
    public void FirstContact_IsAGap_WhatWasCachedBeforeMayHaveMissedOne()
    {
        Assert.Equal(SequenceVerdict.Gap, new InvalidationSequence().OnReading(17));
        Assert.Equal(SequenceVerdict.Gap, new InvalidationSequence().OnMessage(17));
    }

    [Fact]
    public void ConsecutiveMessages_AndReadingsOfTheLastOne_AreInStep()
    {
        var sequence = new InvalidationSequence();
        sequence.OnReading(3);
        Assert.Equal(SequenceVerdict.InStep, sequence.OnMessage(4));
        Assert.Equal(SequenceVerdict.InStep, sequence.OnMessage(5));
        Assert.Equal(SequenceVerdict.InStep, sequence.OnReading(5));
        Assert.Equal(SequenceVerdict.InStep, sequence.OnReading(5));
        Assert.Equal(5, sequence.Last);
    }

    [Fact]
    public void ASkippedNumber_IsAGap()
    {
        var sequence = new InvalidationSequence();
        sequence.OnReading(3);
        Assert.Equal(SequenceVerdict.Gap, sequence.OnMessage(5));
        Assert.Equal(SequenceVerdict.InStep, sequence.OnMessage(6));
    }

    [Fact]
    public void AReadingAhead_IsPending_AndInStepWhenItsMessageArrives()
    {
        var sequence = new InvalidationSequence();
        sequence.OnReading(3);
        // Published, read, not delivered yet: give it until the next reading.
        Assert.Equal(SequenceVerdict.Pending, sequence.OnReading(4));
        Assert.Equal(SequenceVerdict.InStep, sequence.OnMessage(4));
        Assert.Equal(SequenceVerdict.InStep, sequence.OnReading(4));
    }

    [Fact]
    public void AReadingAhead_WhoseMessageNeverComes_IsAGapAtTheNextReading()
    {
        // A subscription that went quiet without failing: the messages stop, the numbers go on.
        var sequence = new InvalidationSequence();
        sequence.OnReading(3);
        Assert.Equal(SequenceVerdict.Pending, sequence.OnReading(4));
        Assert.Equal(SequenceVerdict.Gap, sequence.OnReading(4));
        Assert.Equal(SequenceVerdict.InStep, sequence.OnReading(4));
        Assert.Equal(SequenceVerdict.InStep, sequence.OnMessage(5));
    }

    [Fact]
    public void AReadingAhead_ThenItsMessage_ThenAnotherAhead_IsPendingAgainNotAGap()
    {
        var sequence = new InvalidationSequence();
        sequence.OnReading(3);
        Assert.Equal(SequenceVerdict.Pending, sequence.OnReading(4));
        sequence.OnMessage(4);
        Assert.Equal(SequenceVerdict.Pending, sequence.OnReading(5));
    }

    [Fact]
    public void ANumberingThatRestarted_IsAGap()
    {
        // Redis restarted (no persistence): the key is gone and numbering starts again.
        var sequence = new InvalidationSequence();
        sequence.OnReading(40);
        Assert.Equal(SequenceVerdict.Gap, sequence.OnReading(0));
        Assert.Equal(SequenceVerdict.InStep, sequence.OnMessage(1));

        var other = new InvalidationSequence();
        other.OnReading(40);
        Assert.Equal(SequenceVerdict.Gap, other.OnMessage(1));
    }
}
