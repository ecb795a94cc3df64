namespace Gateway.Proxy.Authentication;

/// <summary>
/// The shape of credentials the auth service issues ("gw_at_" or "gw_key_" + 43 base64url
/// characters). Anything else is rejected locally: no cache entry, no network call, so floods of
/// garbage cost nothing downstream.
/// </summary>
internal static class CredentialShape
{
    private const int RandomPartLength = 43;

    public static bool IsPlausible(ReadOnlySpan<char> credential)
    {
        ReadOnlySpan<char> rest;
        if (credential.StartsWith("gw_at_"))
        {
            rest = credential[6..];
        }
        else if (credential.StartsWith("gw_key_"))
        {
            rest = credential[7..];
        }
        else
        {
            return false;
        }

        if (rest.Length != RandomPartLength)
        {
            return false;
        }

        foreach (var c in rest)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-' && c != '_')
            {
                return false;
            }
        }

        return true;
    }
}
