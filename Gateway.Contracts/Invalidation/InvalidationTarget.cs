namespace Gateway.Contracts.Invalidation;

/// <summary>What an invalidation message names.</summary>
public enum InvalidationTarget
{
    /// <summary>A message of no known form: ignored (and logged) by the receiver.</summary>
    Unknown,

    /// <summary>A revoked token or key, by its hash: forget the answers cached for it.</summary>
    Credential,

    /// <summary>A user whose plan, roles or status changed: forget every answer cached for them.</summary>
    User,

    /// <summary>
    /// Invalidations were lost before they could be published (the publisher's queue overflowed):
    /// forget every cached answer.
    /// </summary>
    All,
}
