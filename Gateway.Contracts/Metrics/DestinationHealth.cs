namespace Gateway.Contracts.Metrics;

/// <summary>A backend destination as this replica's health checks see it.</summary>
public sealed record DestinationHealth(string Cluster, string Destination, HealthState Health);
