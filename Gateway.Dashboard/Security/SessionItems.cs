using System.Globalization;
using Microsoft.AspNetCore.Authentication;

namespace Gateway.Dashboard.Security;

/// <summary>What a dashboard session keeps in its ticket's properties besides the principal.</summary>
internal static class SessionItems
{
    /// <summary>When the admin's standing was last confirmed by the auth service.</summary>
    private const string StandingCheckedAt = "gw.standing-checked";

    /// <summary>The last confirmation; before any re-check, the sign-in itself (which checked the role).</summary>
    public static DateTimeOffset? GetStandingCheckedAt(AuthenticationProperties properties) =>
        properties.Items.TryGetValue(StandingCheckedAt, out var text)
            && DateTimeOffset.TryParseExact(text, "O", CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at)
            ? at
            : properties.IssuedUtc;

    public static void SetStandingCheckedAt(AuthenticationProperties properties, DateTimeOffset at) =>
        properties.Items[StandingCheckedAt] = at.ToString("O", CultureInfo.InvariantCulture);
}
