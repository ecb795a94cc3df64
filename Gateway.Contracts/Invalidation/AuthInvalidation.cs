namespace Gateway.Contracts.Invalidation;

/// <summary>One parsed invalidation message (see <see cref="AuthInvalidations"/>).</summary>
/// <param name="Sequence">Its place in the stream of every invalidation ever published (from 1, no gaps).</param>
/// <param name="Target">What the message names.</param>
/// <param name="CredentialHash">For <see cref="InvalidationTarget.Credential"/>: the credential's SHA-256.</param>
/// <param name="UserId">For <see cref="InvalidationTarget.User"/>: the user id in its "D" form.</param>
public readonly record struct AuthInvalidation(long Sequence, InvalidationTarget Target, byte[]? CredentialHash, string? UserId);
