using System.Text.Json;
using Gateway.EndToEndTests.Infrastructure;
using Gateway.TestSupport;

namespace Gateway.EndToEndTests.AppHost;

/// <summary>The operator's path: the Aspire manifest describes containers, projects and secret parameters.</summary>
public sealed class ManifestPublishTests
{
    [Fact]
    public Task PublishManifest_DescribesContainersProjectsAndSecretParameters() => WithManifestAsync([], (resources, text) =>
    {
        // Publishing always uses containers, whatever the machine has.
        Assert.StartsWith("container.", TypeOf(resources, "redis"), StringComparison.Ordinal);
        Assert.StartsWith("container.", TypeOf(resources, "postgres"), StringComparison.Ordinal);
        Assert.Equal("value.v0", TypeOf(resources, "authdb"));
        foreach (var project in GatewayAppFixture.ProjectResources)
        {
            Assert.StartsWith("project.", TypeOf(resources, project), StringComparison.Ordinal);
        }

        string[] secrets = ["redis-password", "postgres-password", "authdb-password", "dashboard-operator-key", "dashboard-service-key", .. Gateway.Contracts.Redis.RedisUsers.All.Select(user => $"redis-{user.Name}-password")];
        foreach (var secret in secrets)
        {
            Assert.Equal("parameter.v0", TypeOf(resources, secret));
            var input = resources.GetProperty(secret).GetProperty("inputs").GetProperty("value");
            Assert.True(input.GetProperty("secret").GetBoolean(), $"{secret} must be a secret input");
        }

        // Each service reaches Redis as its own ACL user, which the container creates.
        foreach (var (project, user) in new[] { ("proxy", "gateway-proxy"), ("auth", "gateway-auth"), ("dashboard", "gateway-dashboard") })
        {
            var connection = resources.GetProperty(project).GetProperty("env").GetProperty("ConnectionStrings__redis").GetString();
            Assert.Contains($"user={user},password={{redis-{user}-password.value}}", connection, StringComparison.Ordinal);
            Assert.Contains($"--user {user} ", resources.GetProperty("redis").GetProperty("args")[1].GetString(), StringComparison.Ordinal);
        }

        // The auth service connects as its own role, which the container creates on first start.
        var authConnection = resources.GetProperty("auth").GetProperty("env").GetProperty("ConnectionStrings__authdb").GetString();
        Assert.Contains("Username=gateway_auth;Password={authdb-password.value}", authConnection, StringComparison.Ordinal);
        Assert.Equal("{authdb-password.value}", resources.GetProperty("postgres").GetProperty("env").GetProperty("AUTHDB_PASSWORD").GetString());

        // The proxy's AllowedHosts is the deployer's to give (no '*' default when published).
        Assert.Equal("parameter.v0", TypeOf(resources, "proxy-allowed-hosts"));
        Assert.Equal("{proxy-allowed-hosts.value}", resources.GetProperty("proxy").GetProperty("env").GetProperty("AllowedHosts").GetString());

        // No secret value is written into the manifest itself.
        Assert.Contains("{redis-password.value}", text, StringComparison.Ordinal);
        Assert.Contains("{postgres-password.value}", text, StringComparison.Ordinal);
    });

    /// <summary>
    /// The managed-cluster path (docs/operations.md, "Redis Cluster"): no Redis container and none
    /// of its passwords; each service's whole Redis connection string is its own secret parameter.
    /// </summary>
    [Fact]
    public Task PublishManifest_ExternalRedis_NoRedisContainer_EachServiceReadsItsConnectionParameter() => WithManifestAsync(["--Infrastructure:Redis=External"], (resources, text) =>
    {
        Assert.False(resources.TryGetProperty("redis", out _), "an external Redis must not be a resource of the manifest");
        foreach (var resource in resources.EnumerateObject())
        {
            var image = resource.Value.TryGetProperty("image", out var value) ? value.GetString() : null;
            Assert.False(image?.Contains("redis", StringComparison.OrdinalIgnoreCase) == true, $"{resource.Name} runs the image {image}");
            Assert.False(resource.Name.StartsWith("redis-", StringComparison.Ordinal) && resource.Name.EndsWith("-password", StringComparison.Ordinal), $"{resource.Name}: no Redis password to supply");
        }

        Assert.DoesNotContain("{redis.", text, StringComparison.Ordinal);
        Assert.StartsWith("container.", TypeOf(resources, "postgres"), StringComparison.Ordinal);

        foreach (var (project, user) in new[] { ("proxy", "gateway-proxy"), ("auth", "gateway-auth"), ("dashboard", "gateway-dashboard") })
        {
            var parameter = $"redis-{user}-connection";
            Assert.Equal("parameter.v0", TypeOf(resources, parameter));
            Assert.True(resources.GetProperty(parameter).GetProperty("inputs").GetProperty("value").GetProperty("secret").GetBoolean(), $"{parameter} must be a secret input");
            Assert.Equal(
                $"{{{parameter}.value}},tiebreaker=,configChannel=",
                resources.GetProperty(project).GetProperty("env").GetProperty("ConnectionStrings__redis").GetString());
        }
    });

    /// <summary>Publishes the manifest with <paramref name="arguments"/> and hands its resources and text to <paramref name="assert"/>.</summary>
    private static async Task WithManifestAsync(string[] arguments, Action<JsonElement, string> assert)
    {
        var outputDirectory = TestPaths.NewTempDirectory("gateway-manifest");
        Directory.CreateDirectory(outputDirectory);
        var manifestPath = Path.Combine(outputDirectory, "manifest.json");
        try
        {
            var (exitCode, output) = await RunAppHostAsync(["--publisher", "manifest", "--output-path", manifestPath, .. arguments]);
            Assert.True(exitCode == 0, $"Manifest publishing failed ({exitCode}):\n{output}");

            var text = await File.ReadAllTextAsync(manifestPath);
            using var manifest = JsonDocument.Parse(text);
            assert(manifest.RootElement.GetProperty("resources"), text);
        }
        finally
        {
            TestPaths.TryDelete(outputDirectory);
        }
    }

    private static string TypeOf(JsonElement resources, string name) =>
        resources.TryGetProperty(name, out var resource)
            ? resource.GetProperty("type").GetString() ?? string.Empty
            : throw new Xunit.Sdk.XunitException($"The manifest has no resource '{name}'.");

    private static Task<(int ExitCode, string Output)> RunAppHostAsync(string[] arguments) =>
        ProcessRunner.RunAsync(
            "dotnet",
            ["run", "--no-build", "--configuration", ProcessRunner.Configuration, "--", .. arguments],
            Path.Combine(TestPaths.RepositoryRoot(), "Gateway.AppHost"),
            TimeSpan.FromMinutes(2));
}
