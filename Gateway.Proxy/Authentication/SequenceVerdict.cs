namespace Gateway.Proxy.Authentication;

/// <summary>What <see cref="InvalidationSequence"/> concludes from one message or one reading.</summary>
internal enum SequenceVerdict
{
    /// <summary>Every invalidation up to this one was received.</summary>
    InStep,

    /// <summary>
    /// Some invalidation was missed (a number skipped, the numbering restarted with Redis, or this
    /// is the first number seen): what was cached before may be stale and must go.
    /// </summary>
    Gap,

    /// <summary>
    /// Redis holds a number not received yet; it may still be on its way. Not confirmed, not a gap
    /// yet: the next reading decides.
    /// </summary>
    Pending,
}
