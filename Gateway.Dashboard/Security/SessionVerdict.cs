namespace Gateway.Dashboard.Security;

/// <summary>The outcome of checking a dashboard session.</summary>
internal enum SessionVerdict
{
    /// <summary>The session goes on unchanged.</summary>
    Valid,

    /// <summary>The session goes on; its ticket changed (a re-check passed) and must be stored.</summary>
    Renewed,

    /// <summary>The session is over: absolute lifetime reached, or the admin lost the role (or was disabled, or the auth service stayed silent past the grace).</summary>
    Ended,
}
