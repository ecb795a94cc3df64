namespace Gateway.AppHost.Infrastructure;

/// <summary>A database on <see cref="PostgresServerExecutableResource"/>; created once the server is ready.</summary>
internal sealed class PostgresDatabaseExecutableResource(string name, string databaseName, PostgresServerExecutableResource parent)
    : Resource(name), IResourceWithParent<PostgresServerExecutableResource>, IResourceWithConnectionString
{
    public PostgresServerExecutableResource Parent { get; } = parent;

    public string DatabaseName { get; } = databaseName;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"{Parent};Database={DatabaseName}");
}
