namespace Gateway.Proxy.Authentication;

/// <summary>
/// Follows the numbering of auth invalidations (see <see cref="Gateway.Contracts.Invalidation.AuthInvalidations"/>)
/// to tell whether this replica received every one: from the messages themselves, and from
/// readings of the number Redis holds (so a subscription that went quiet without failing is found
/// out too).
/// </summary>
/// <remarks>
/// A reading past the last message received is not yet a gap (the message may be on its way); it
/// is one if that message has still not arrived by the next reading. Thread-safe: messages and
/// readings arrive on different threads.
/// </remarks>
internal sealed class InvalidationSequence
{
    private readonly Lock _lock = new();
    private bool _known;
    private long _last;
    private long _awaited;

    /// <summary>The number of the last invalidation received or confirmed (0 before any).</summary>
    public long Last
    {
        get
        {
            lock (_lock)
            {
                return _last;
            }
        }
    }

    /// <summary>A message numbered <paramref name="sequence"/> arrived.</summary>
    public SequenceVerdict OnMessage(long sequence)
    {
        lock (_lock)
        {
            var inStep = _known && sequence == _last + 1;
            _known = true;
            _last = sequence;
            if (_awaited <= sequence)
            {
                _awaited = 0;
            }

            return inStep ? SequenceVerdict.InStep : SequenceVerdict.Gap;
        }
    }

    /// <summary>Redis said the last number given out is <paramref name="current"/> (0: none since it started).</summary>
    public SequenceVerdict OnReading(long current)
    {
        lock (_lock)
        {
            if (!_known)
            {
                _known = true;
                _last = current;
                return SequenceVerdict.Gap;
            }

            if (current == _last)
            {
                _awaited = 0;
                return SequenceVerdict.InStep;
            }

            if (current < _last || (_awaited != 0 && _awaited > _last))
            {
                // Numbering restarted (Redis lost the key), or a number seen at the last reading never came.
                _last = current;
                _awaited = 0;
                return SequenceVerdict.Gap;
            }

            _awaited = current;
            return SequenceVerdict.Pending;
        }
    }
}
