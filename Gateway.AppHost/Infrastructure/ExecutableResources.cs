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

/// <summary>A database on <see cref="PostgresServerExecutableResource"/>; created once the server is ready.</summary>
internal sealed class PostgresDatabaseExecutableResource(string name, string databaseName, PostgresServerExecutableResource parent)
    : Resource(name), IResourceWithParent<PostgresServerExecutableResource>, IResourceWithConnectionString
{
    public PostgresServerExecutableResource Parent { get; } = parent;

    public string DatabaseName { get; } = databaseName;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"{Parent};Database={DatabaseName}");
}
