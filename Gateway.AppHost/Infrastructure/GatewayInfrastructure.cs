namespace Gateway.AppHost.Infrastructure;

/// <summary>The shared state every service connects to.</summary>
internal sealed record GatewayInfrastructure(
    IResourceBuilder<IResourceWithConnectionString> Redis,
    IResourceBuilder<IResourceWithConnectionString> AuthDatabase);
