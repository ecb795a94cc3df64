using Gateway.Contracts.Credentials;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Primitives;

namespace Gateway.Proxy.Authentication;

/// <summary>
/// Reads the credential of a request and computes its cache key, on spans so that a cache hit
/// allocates nothing. Shared by <see cref="GatewayAuthenticationHandler"/> and
/// <see cref="CachedAuthentication"/>, so both see the same credential in the same request.
/// </summary>
internal static class CredentialReader
{
    /// <summary>
    /// The credential of <c>Authorization: Bearer &lt;token&gt;</c> (which wins) or
    /// <c>X-Api-Key: &lt;key&gt;</c>; <paramref name="source"/> is the header value it was read from.
    /// </summary>
    public static CredentialPresence Read(IHeaderDictionary headers, out string source, out ReadOnlySpan<char> credential, out string? problem)
    {
        source = string.Empty;
        credential = default;
        problem = null;

        var authorization = headers.Authorization;
        if (!StringValues.IsNullOrEmpty(authorization))
        {
            if (!TryParseBearer(authorization, out source, out credential))
            {
                problem = "The Authorization header must be 'Bearer <token>'.";
                return CredentialPresence.Malformed;
            }

            return CredentialPresence.Present;
        }

        var apiKey = headers[GatewayAuthentication.ApiKeyHeader];
        if (StringValues.IsNullOrEmpty(apiKey))
        {
            return CredentialPresence.None;
        }

        if (apiKey.Count != 1 || apiKey[0] is not { } key)
        {
            problem = "Send exactly one X-Api-Key header.";
            return CredentialPresence.Malformed;
        }

        source = key;
        credential = key.AsSpan().Trim();
        return CredentialPresence.Present;
    }

    /// <summary>The credential as a string for the auth service: the header value itself when it is nothing else.</summary>
    public static string Text(string source, ReadOnlySpan<char> credential) =>
        credential.Length == source.Length ? source : credential.ToString();

    /// <summary>Wrong shape, oversized, control characters: no lookup, no network call.</summary>
    public static bool IsLookupCandidate(ReadOnlySpan<char> credential) =>
        CredentialFormat.Classify(credential) != CredentialType.Unknown;

    /// <summary>
    /// The credential's SHA-256, computed once per keep-alive connection for as long as the client
    /// sends the same header: Kestrel hands out the same string instance for a request header
    /// value that repeats on an HTTP/1.1 connection, so a reference comparison (same instance, hence
    /// same immutable content) finds the last hash without hashing again. HTTP/2 streams of one
    /// connection run concurrently and are not memoised.
    /// </summary>
    public static CredentialKey KeyOf(HttpContext context, string source, ReadOnlySpan<char> credential)
    {
        if (!HttpProtocol.IsHttp11(context.Request.Protocol) || context.Features.Get<IConnectionItemsFeature>()?.Items is not { } items)
        {
            return CredentialKey.From(credential);
        }

        if (items.TryGetValue(typeof(CredentialMemo), out var value) && value is CredentialMemo memo && ReferenceEquals(memo.Source, source))
        {
            return memo.Key;
        }

        var key = CredentialKey.From(credential);
        items[typeof(CredentialMemo)] = new CredentialMemo(source, key);
        return key;
    }

    /// <summary>The last credential header of a connection and its hash (see <see cref="KeyOf"/>).</summary>
    private sealed record CredentialMemo(string Source, CredentialKey Key);

    /// <summary>The token of a single well-formed <c>Bearer</c> header.</summary>
    private static bool TryParseBearer(StringValues authorization, out string source, out ReadOnlySpan<char> token)
    {
        token = default;
        source = string.Empty;
        if (authorization.Count != 1 || authorization[0] is not { } value || !BearerHeader.TryParse(value, out token))
        {
            return false;
        }

        source = value;
        return true;
    }
}
