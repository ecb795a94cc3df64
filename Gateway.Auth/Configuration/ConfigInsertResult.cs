namespace Gateway.Auth.Configuration;

/// <param name="Stored">The new version when <paramref name="Outcome"/> is <see cref="ConfigInsertOutcome.Stored"/>.</param>
/// <param name="ActiveVersion">The active version after the attempt (0 while none).</param>
internal sealed record ConfigInsertResult(ConfigInsertOutcome Outcome, ConfigVersionRow? Stored, long ActiveVersion);
