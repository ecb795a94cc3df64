namespace Gateway.EndToEndTests.Infrastructure;

[CollectionDefinition(Name)]
public sealed class GatewayAppCollection : ICollectionFixture<GatewayAppFixture>
{
    public const string Name = "Gateway app";
}
