namespace Gateway.EndToEndTests.Cluster;

/// <summary>A user on the tiny plan, with a token both proxy replicas have accepted.</summary>
public sealed record TinyPlanUser(string UserId, string AccessToken);
