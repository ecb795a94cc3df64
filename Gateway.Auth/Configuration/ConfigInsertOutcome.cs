namespace Gateway.Auth.Configuration;

internal enum ConfigInsertOutcome
{
    Stored,

    /// <summary>The expected version was not the active one (or another change took its number first).</summary>
    Conflict,

    /// <summary><c>restored_from</c> names no stored version.</summary>
    UnknownRestoredFrom,
}
