using System.Globalization;

namespace Gateway.Contracts.Configuration;

/// <summary>
/// The runtime configuration's change notice, outside gRPC: after storing a version the auth
/// service publishes its number (decimal) on <see cref="Channel"/>; every proxy replica that hears
/// it loads that version through <c>ConfigService</c> if it runs an older one. Proxies poll too,
/// so a lost notice delays a change, never loses it.
/// </summary>
public static class ConfigChanges
{
    public const string Channel = "gw:config:changes";

    /// <summary>Largest document the auth service stores (UTF-8 bytes).</summary>
    public const int MaxDocumentBytes = 512 * 1024;

    /// <summary>Longest change summary stored.</summary>
    public const int MaxSummaryLength = 512;

    public static string Message(long version) => version.ToString(CultureInfo.InvariantCulture);

    /// <summary>The version a notice names, or false for anything else.</summary>
    public static bool TryParse(string? message, out long version) =>
        long.TryParse(message, NumberStyles.None, CultureInfo.InvariantCulture, out version) && version > 0;
}
