namespace Gateway.EndToEndTests.Cluster;

[CollectionDefinition(Name)]
public sealed class ClusterAppCollection : ICollectionFixture<ClusterAppFixture>
{
    public const string Name = "Gateway app on a Redis Cluster";
}
