using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.AppHost.Infrastructure;

/// <summary>The shared state every service connects to.</summary>
internal sealed record GatewayInfrastructure(
    IResourceBuilder<IResourceWithConnectionString> Redis,
    IResourceBuilder<IResourceWithConnectionString> AuthDatabase);
