using System.Text.Json;
using Gateway.EndToEndTests.Infrastructure;
using Gateway.TestSupport;

namespace Gateway.EndToEndTests.AppHost;

/// <summary>The operator's path: the Aspire manifest describes containers, projects and secret parameters.</summary>
public sealed class ManifestPublishTests
{
    [Fact]
    public async Task PublishManifest_DescribesContainersProjectsAndSecretParameters()
    {
        var outputDirectory = TestPaths.NewTempDirectory("gateway-manifest");
        Directory.CreateDirectory(outputDirectory);
        var manifestPath = Path.Combine(outputDirectory, "manifest.json");
        try
        {
            var (exitCode, output) = await RunAppHostAsync(["--publisher", "manifest", "--output-path", manifestPath]);
            Assert.True(exitCode == 0, $"Manifest publishing failed ({exitCode}):\n{output}");

            using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(manifestPath));
            var resources = manifest.RootElement.GetProperty("resources");

            // Publishing always uses containers, whatever the machine has.
            Assert.StartsWith("container.", TypeOf(resources, "redis"), StringComparison.Ordinal);
            Assert.StartsWith("container.", TypeOf(resources, "postgres"), StringComparison.Ordinal);
            Assert.Equal("value.v0", TypeOf(resources, "authdb"));
            foreach (var project in GatewayAppFixture.ProjectResources)
            {
                Assert.StartsWith("project.", TypeOf(resources, project), StringComparison.Ordinal);
            }

            foreach (var secret in new[] { "redis-password", "postgres-password", "dashboard-operator-key", "dashboard-service-key" })
            {
                Assert.Equal("parameter.v0", TypeOf(resources, secret));
                var input = resources.GetProperty(secret).GetProperty("inputs").GetProperty("value");
                Assert.True(input.GetProperty("secret").GetBoolean(), $"{secret} must be a secret input");
            }

            // No secret value is written into the manifest itself.
            var text = await File.ReadAllTextAsync(manifestPath);
            Assert.Contains("{redis-password.value}", text, StringComparison.Ordinal);
            Assert.Contains("{postgres-password.value}", text, StringComparison.Ordinal);
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
