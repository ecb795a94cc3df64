namespace Gateway.AppHost.Infrastructure;

/// <summary>A host-installed PostgreSQL server with SCRAM password authentication.</summary>
internal sealed class PostgresServerExecutableResource(string name, string command, string workingDirectory, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    internal const string PrimaryEndpointName = "tcp";
    internal const string UserName = "postgres";

    public ParameterResource Password { get; } = password;

    public EndpointReference PrimaryEndpoint => new(this, PrimaryEndpointName);

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host={PrimaryEndpoint.Property(EndpointProperty.Host)};Port={PrimaryEndpoint.Property(EndpointProperty.Port)};Username={UserName};Password={Password}");
}
