namespace Gateway.AppHost;

/// <summary>Resource names, used identically by the services' client integrations.</summary>
internal static class ResourceNames
{
    public const string Redis = "redis";
    public const string Postgres = "postgres";
    public const string AuthDatabase = "authdb";
    public const string Auth = "auth";
    public const string Proxy = "proxy";
    public const string Dashboard = "dashboard";
    public const string SampleApi = "sampleapi";

    /// <summary>Prefix of the Redis Cluster's node resources (<c>Infrastructure:RedisTopology=Cluster</c>).</summary>
    public const string RedisNodePrefix = "redis-node-";

    /// <summary>The auth service's HTTP/2-only (h2c) gRPC endpoint.</summary>
    public const string GrpcEndpoint = "grpc";

    /// <summary>The Redis Cluster's node <paramref name="index"/>: <c>redis-node-0</c> to <c>redis-node-5</c>.</summary>
    public static string RedisNode(int index) => RedisNodePrefix + index.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
