using Gateway.Proxy.Routing;
using Gateway.Proxy.RuntimeConfig;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.UnitTests.Proxy.RuntimeConfig;

/// <summary>What a version must pass before it is stored and before a replica applies it.</summary>
public sealed class ConfigDocumentValidatorTests
{
    private static readonly ConfigDocumentValidator Validator = ConfigDocuments.Validator();

    [Fact]
    public async Task ShippedShape_IsValid()
    {
        var result = await Validator.ValidateAsync(ConfigDocuments.Parse(ConfigDocuments.Shipped));

        Assert.True(result.IsValid, result.ToString());
    }

    [Fact]
    public async Task NewPoliciesOfTheSameVersion_AreKnown_ThoughNoServedVersionHasThem()
    {
        var document = Shipped();
        document.AuthorizationPolicies["partners"] = new() { Roles = ["partner"] };
        document.RateLimitPolicies["partner-quota"] = new() { Partition = Gateway.Proxy.RateLimiting.PartitionBy.ApiKey, Limit = 10 };
        document.Routes["partners"] = Route("partners", "/partners/{**rest}", "partners") with { RateLimiterPolicy = "partner-quota" };

        var result = await Validator.ValidateAsync(document);

        Assert.True(result.IsValid, result.ToString());
    }

    [Fact]
    public async Task YarpsOwnValidators_Run_TheirMessagesReported()
    {
        var document = Shipped();
        document.Routes["bad"] = Route("bad", "/bad/{**a}/{**b}");
        document.Clusters["bad"] = new ClusterConfig { ClusterId = "bad", LoadBalancingPolicy = "Nope", Destinations = new Dictionary<string, DestinationConfig> { ["d"] = new() { Address = "http://127.0.0.1:1" } } };

        var result = await Validator.ValidateAsync(document);

        Assert.Contains(result.Errors["routes.bad"], m => m.Contains("Invalid path", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(result.Errors["clusters.bad"], m => m.Contains("Nope", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("missing-cluster", "cluster 'nowhere' is not in this configuration")]
    [InlineData("missing-policy", "authorization policy 'partners' is not in this configuration")]
    [InlineData("missing-limit", "rate-limit policy 'nope' is not in this configuration")]
    [InlineData("no-policy", "authorizationPolicy is required")]
    [InlineData("reserved-path", "which the gateway's own endpoints use")]
    public async Task Route_ReferencesAndPaths_Checked(string @case, string expected)
    {
        var document = Shipped();
        document.Routes["r"] = @case switch
        {
            "missing-cluster" => Route("r", "/r/{**rest}") with { ClusterId = "nowhere" },
            "missing-policy" => Route("r", "/r/{**rest}", "partners"),
            "missing-limit" => Route("r", "/r/{**rest}") with { RateLimiterPolicy = "nope" },
            "no-policy" => Route("r", "/r/{**rest}") with { AuthorizationPolicy = null },
            _ => Route("r", "/gateway/config/{**rest}", "admin"),
        };

        var result = await Validator.ValidateAsync(document);

        Assert.Contains(result.Errors["routes.r"], m => m.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Overlap_RefusedAsAnError_OrAWarningWhenAllowed()
    {
        var document = Shipped();
        document.Routes["leak"] = Route("leak", "/leak/{**rest}", "anonymous") with
        {
            Transforms = [new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["PathPattern"] = "/admin/{**rest}" }],
        };

        var refused = await Validator.ValidateAsync(document);
        var warned = await ConfigDocuments.Validator(OverlapCheckMode.Warn).ValidateAsync(document);

        Assert.Contains(refused.Errors.SelectMany(e => e.Value), m => m.Contains("routes 'admin' (policy 'admin') and 'leak' (policy 'anonymous') both reach /admin/**", StringComparison.Ordinal));
        Assert.True(warned.IsValid, warned.ToString());
        Assert.Single(warned.Warnings);
    }

    [Theory]
    [InlineData("admin-policy-removed", "authorizationPolicies.admin")]
    [InlineData("accounts-limit-removed", "rateLimitPolicies.auth-endpoints")]
    [InlineData("failed-credentials-removed", "rateLimitPolicies.failed-credentials")]
    [InlineData("failed-credentials-per-user", "rateLimitPolicies.failed-credentials")]
    [InlineData("empty-policy", "authorizationPolicies.empty")]
    [InlineData("builtin-name", "authorizationPolicies.anonymous")]
    [InlineData("bad-limit", "rateLimitPolicies.per-ip")]
    [InlineData("bad-plan", "plans.pro")]
    [InlineData("bad-plan-name", "plans.Pro Plan")]
    public async Task Policies_AndPlans_Checked(string @case, string at)
    {
        var document = Shipped();
        switch (@case)
        {
            case "admin-policy-removed":
                document.AuthorizationPolicies.Remove("admin");
                document.Routes.Remove("admin");
                break;
            case "accounts-limit-removed":
                document.RateLimitPolicies.Remove("auth-endpoints");
                break;
            case "failed-credentials-removed":
                document.RateLimitPolicies.Remove("failed-credentials");
                break;
            case "failed-credentials-per-user":
                document.RateLimitPolicies["failed-credentials"].Partition = Gateway.Proxy.RateLimiting.PartitionBy.User;
                break;
            case "empty-policy":
                document.AuthorizationPolicies["empty"] = new();
                break;
            case "builtin-name":
                document.AuthorizationPolicies["anonymous"] = new() { Roles = ["x"] };
                break;
            case "bad-limit":
                document.RateLimitPolicies["per-ip"].Limit = 0;
                break;
            case "bad-plan":
                document.Plans["pro"] = new PlanSettings { RequestsPerWindow = 0 };
                break;
            default:
                document.Plans["Pro Plan"] = new PlanSettings { RequestsPerWindow = 5 };
                break;
        }

        var result = await Validator.ValidateAsync(document);

        Assert.False(result.IsValid);
        Assert.True(result.Errors.ContainsKey(at), result.ToString());
    }

    [Theory]
    [InlineData("/gateway", "/gateway", true)]
    [InlineData("/Gateway/config/{**rest}", "/gateway", true)]
    [InlineData("/gateways/{**rest}", "/gateway", false)]
    [InlineData("/{**rest}", "/gateway", false)]
    [InlineData("/healthz", "/health", false)]
    [InlineData("/health/{**rest}", "/health", true)]
    public void Claims_WholeSegments(string path, string reserved, bool claimed) =>
        Assert.Equal(claimed, ConfigDocumentValidator.Claims(path, reserved));

    private static GatewayConfigDocument Shipped() => ConfigDocuments.Parse(ConfigDocuments.Shipped);

    private static RouteConfig Route(string id, string path, string policy = "authenticated") => new()
    {
        RouteId = id,
        ClusterId = "sampleapi",
        AuthorizationPolicy = policy,
        Match = new RouteMatch { Path = path },
    };
}
