namespace Gateway.AppHost.Infrastructure;

/// <summary>A host-installed <c>redis-server</c> protected by a password, like Aspire's container.</summary>
internal sealed class RedisServerResource(string name, string command, string workingDirectory, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    internal const string PrimaryEndpointName = "tcp";

    public ParameterResource Password { get; } = password;

    public EndpointReference PrimaryEndpoint => new(this, PrimaryEndpointName);

    // Same shape as Aspire's Redis container connection string, so clients cannot tell them apart.
    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"{PrimaryEndpoint.Property(EndpointProperty.Host)}:{PrimaryEndpoint.Property(EndpointProperty.Port)},password={Password}");
}
