namespace Gateway.AppHost.Infrastructure;

/// <summary>Redis refused the AppHost's password: a wrong secret, not a server still starting.</summary>
internal sealed class RedisAuthenticationException(string message) : Exception(message);
