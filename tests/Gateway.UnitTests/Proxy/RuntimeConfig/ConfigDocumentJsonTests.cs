using Gateway.Proxy.RuntimeConfig;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.UnitTests.Proxy.RuntimeConfig;

public sealed class ConfigDocumentJsonTests
{
    [Fact]
    public void TryParse_AppsettingsShape_AnyCase_IdsFromKeys_HttpVersionAsInConfiguration()
    {
        var document = ConfigDocuments.Parse(ConfigDocuments.Shipped);

        Assert.Equal(["admin", "api", "greeter", "public"], document.Routes.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("greeter", document.Routes["greeter"].RouteId);
        Assert.Equal(["POST"], document.Routes["greeter"].Match.Methods);
        Assert.Equal(new Version(2, 0), document.Clusters["sampleapi-grpc"].HttpRequest!.Version);
        Assert.Equal(System.Net.Http.HttpVersionPolicy.RequestVersionExact, document.Clusters["sampleapi-grpc"].HttpRequest!.VersionPolicy);
        Assert.Equal(TimeSpan.FromSeconds(5), document.Clusters["sampleapi"].HttpRequest!.ActivityTimeout);
        Assert.Equal(600, document.Plans["pro"].RequestsPerWindow);
        Assert.Equal(60, document.Plans["free"].WindowSeconds);
        Assert.Equal(Gateway.Proxy.RateLimiting.RateLimitMode.Batched, document.RateLimitPolicies["failed-credentials"].Mode);
        Assert.Equal(["admin"], document.AuthorizationPolicies["ADMIN"].Roles);
    }

    [Fact]
    public void TryParse_UnknownProperty_IsAnErrorNamingWhere()
    {
        var document = ConfigDocumentJson.TryParse("""{ "routes": { "r": { "clusterId": "c", "macth": { "path": "/x" } } } }""", out var error);

        Assert.Null(document);
        Assert.Contains("$.routes.r.macth", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("{ \"routes\": 5 }")]
    [InlineData("{ \"clusters\": { \"c\": { \"httpRequest\": { \"version\": \"two\" } } } }")]
    [InlineData("{ \"routes\": { \"r\": ")]
    public void TryParse_NotADocument_ErrorNoThrow(string json)
    {
        Assert.Null(ConfigDocumentJson.TryParse(json, out var error));
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    [Fact]
    public void TryParse_TransformsAndMetadata_IgnoreCase_AsYarpsConfigurationReaderMakesThem()
    {
        var document = ConfigDocuments.Parse("""
            { "routes": { "r": { "clusterId": "c", "metadata": { "Team": "a" }, "transforms": [ { "pathPattern": "/api/{**rest}" } ] } },
              "clusters": { "c": { "destinations": { "d": { "address": "http://x", "metadata": { "Zone": "1" } } } } } }
            """);

        Assert.Equal("/api/{**rest}", document.Routes["r"].Transforms![0]["PathPattern"]);
        Assert.Equal("a", document.Routes["r"].Metadata!["team"]);
        Assert.Equal("1", document.Clusters["c"].Destinations!["D"].Metadata!["zone"]);
    }

    [Fact]
    public void Serialize_ThenParse_GivesTheSameDocument()
    {
        var document = ConfigDocuments.Parse(ConfigDocuments.Shipped);

        var again = ConfigDocuments.Parse(ConfigDocumentJson.Serialize(document));

        Assert.Equal(ConfigDocumentJson.Serialize(document), ConfigDocumentJson.Serialize(again));
        Assert.Equal(document.Routes["greeter"], again.Routes["greeter"] with { Match = document.Routes["greeter"].Match, Transforms = null, Metadata = null });
        Assert.Empty(ConfigDiff.Between(document, again));
    }

    [Fact]
    public void ConfigDiff_NamesAddedChangedRemovedEntities()
    {
        var before = ConfigDocuments.Parse(ConfigDocuments.Shipped);
        var after = ConfigDocuments.Parse(ConfigDocuments.Shipped);
        after.Routes["orders"] = new RouteConfig { RouteId = "orders", ClusterId = "sampleapi", AuthorizationPolicy = "authenticated", Match = new RouteMatch { Path = "/orders/{**rest}" } };
        after.Routes.Remove("public");
        after.Plans["pro"] = new PlanSettings { RequestsPerWindow = 700 };

        var changes = ConfigDiff.Between(before, after);

        Assert.Equal(["+routes.orders", "-routes.public", "~plans.pro"], changes);
        Assert.Equal("+routes.orders, -routes.public, ~plans.pro", ConfigDiff.Summary(changes));
    }
}
