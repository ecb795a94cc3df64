namespace Gateway.Dashboard.Aggregation;

/// <summary>A service's health, with a line of detail.</summary>
public sealed record ServiceView(string Name, ServiceStatus Status, string Detail);
