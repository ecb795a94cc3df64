namespace Gateway.Chaos;

/// <summary>What a request was for.</summary>
internal enum RouteKind : byte
{
    /// <summary><c>/api/hello</c> with a token the proxies have cached.</summary>
    Authenticated,

    /// <summary><c>/public/hello</c>, no credential.</summary>
    Anonymous,

    /// <summary><c>/api/hello</c> with a never-seen, well-formed token: needs the auth service.</summary>
    Uncached,

    /// <summary><c>POST /auth/register</c>: a write that must reach PostgreSQL.</summary>
    Register,
}
