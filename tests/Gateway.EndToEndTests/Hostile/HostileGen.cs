using CsCheck;

namespace Gateway.EndToEndTests.Hostile;

/// <summary>Generators of hostile HTTP input: paths, methods, header sets and credentials.</summary>
public static class HostileGen
{
    private const string Base64Url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    /// <summary>Path segments that mean something to a router, a normaliser or a backend.</summary>
    private static readonly string[] Segments =
    [
        "api", "public", "pro", "admin", "auth", "gateway", "diagnostics", "echo", "hello", "keys", "chaos",
        "health", "alive", "login", "register", "logout", "rl", "ip",
        "..", ".", "%2e%2e", "%2E%2e", ".%2e", "%2e", "%2f", "%2F..%2F", "%5c", "..%5c..%5cchaos", "..%2f..%2fchaos",
        "%00", "%0d%0aX-Injected:%20yes", "%ff", "%c0%ae%c0%ae", "%e2%80%ae", "%f0%9f%92%a9", "%25", "%252e%252e",
        ";", "a;b=c", "~", "*", "", "%20", "+", "%u002e", "%%", "%zz", "%", "@", ":", "::", "\\..\\chaos",
    ];

    /// <summary>Targets under every route prefix of the gateway (none that wait or fail on purpose).</summary>
    private static readonly string[] Prefixes = ["/public/", "/api/", "/pro/", "/admin/", "/auth/", "/gateway/", "/", "//", "/./", "/../"];

    /// <summary>A fresh random token of the issued shape (<c>gw_at_</c> + 43 base64url characters): what a flood sends.</summary>
    public static string RandomToken() =>
        "gw_at_" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static readonly Gen<string> Method = Gen.OneOf<string>(
        "GET", "GET", "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "FOO", "get", "M-SEARCH", "PROPFIND");

    private static readonly Gen<string> Alnum = Text(Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789"], 1, 12);

    private static readonly Gen<string> Segment = Gen.Frequency<string>(
        (6, Gen.OneOf<string>(Segments)),
        (2, Alnum),
        (1, Gen.Int[1, 3000].Select(n => new string('a', n))),
        // Percent-encoded random bytes: invalid UTF-8, controls, separators.
        (2, Gen.Byte.Array[1, 8].Select(bytes => string.Concat(bytes.Select(b => $"%{b:X2}")))));

    private static readonly Gen<string> Query = Gen.Frequency<string>(
        (4, Gen.Const(string.Empty)),
        (2, Gen.Select(Alnum, Gen.Frequency<string>((1, Alnum), (1, Gen.OneOf<string>("%00", "%ff", "..%2f", "&&&", "=", "a=b&a=c")))).Select((k, v) => $"?{k}={v}")),
        (1, Gen.Int[1, 5000].Select(n => "?q=" + new string('x', n))));

    /// <summary>A request target: a route prefix, 0-6 odd segments, maybe a query; sometimes over the request-line limit.</summary>
    public static readonly Gen<string> Target = Gen.Select(Gen.OneOf<string>(Prefixes), Segment.Array[0, 6], Gen.OneOf<string>("", "", "echo", "hello"), Query)
        .Select((prefix, segments, leaf, query) => prefix + string.Join('/', leaf.Length == 0 ? segments : [.. segments, leaf]) + query)
        // Never the sample API's deliberately slow or failing endpoints: their 5xx are the backend's own.
        .Where(target => !target.Contains("slow", StringComparison.OrdinalIgnoreCase) && !target.Contains("fail", StringComparison.OrdinalIgnoreCase));

    /// <summary>A credential in every shape: real-looking, wrong prefix, wrong length, bad characters, huge.</summary>
    public static readonly Gen<string> Credential = Gen.Frequency<string>(
        (3, Gen.OneOf<string>("gw_at_", "gw_key_").SelectMany(prefix => Text(Gen.Char[Base64Url], 43, 43).Select(rest => prefix + rest))),
        (1, Text(Gen.Char[Base64Url], 0, 80)),
        (1, Gen.OneOf<string>("gw_at_", "gw_key_", "GW_AT_").SelectMany(prefix => Text(Gen.Char['!', '~'], 0, 60).Select(rest => prefix + rest))),
        (1, Gen.Int[257, 6000].Select(n => "gw_at_" + new string('A', n))));

    /// <summary>Values of an Authorization header: every scheme shape, with or without a credential.</summary>
    public static readonly Gen<string> Authorization = Gen.Frequency<string>(
        (4, Credential.Select(c => "Bearer " + c)),
        (1, Credential.Select(c => "bearer    " + c + "   ")),
        (1, Credential),
        (1, Gen.OneOf<string>("Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Negotiate abc", "Digest username=\"a\"", "Bearer a b c", "Bearer\tgw_at_x", ", Bearer x")));

    /// <summary>Header names the gateway owns or that describe the proxy chain, in spellings backends may conflate.</summary>
    public static readonly Gen<string> SpoofHeaderName = Gen.OneOf<string>(
        "X-User-Id", "x-user-id", "X-USER-ROLES", "X-User-Plan", "X-User-Name", "X-User-Whatever", "X_User_Id", "x_user_roles",
        "X-User_Plan", "X_USER-NAME", "X-Gateway-Internal", "X_Gateway_Verified", "X-Forwarded-For", "X-Forwarded-Proto",
        "X-Forwarded-Host", "X-Forwarded-Prefix", "X-Forwarded-Port", "X_Forwarded_For", "Forwarded", "X-Real-IP", "X-Real_IP");

    public static readonly Gen<string> SpoofHeaderValue = Gen.Frequency<string>(
        (3, Gen.OneOf<string>("admin", "00000000-0000-0000-0000-000000000000", "pro", "https", "evil.example", "6.6.6.6", "127.0.0.1", "for=6.6.6.6;proto=https", "/admin")),
        (2, Text(Gen.Char[' ', '~'], 0, 64)),
        (1, Gen.Int[1, 2000].Select(n => new string('v', n))));

    /// <summary>Strings of <paramref name="min"/>-<paramref name="max"/> characters drawn from <paramref name="chars"/>.</summary>
    public static Gen<string> Text(Gen<char> chars, int min, int max) => chars.Array[min, max].Select(a => new string(a));

    public static readonly Gen<(string Name, string Value)[]> SpoofHeaders = Gen.Select(SpoofHeaderName, SpoofHeaderValue).Array[1, 8];
}
