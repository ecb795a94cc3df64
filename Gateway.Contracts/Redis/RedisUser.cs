namespace Gateway.Contracts.Redis;

/// <summary>One service's Redis ACL user: its name and its rules, without the password.</summary>
/// <param name="Name">The ACL user name, also in the service's connection string.</param>
/// <param name="Rules">ACL rules in the order Redis applies them (one token each, as <c>ACL SETUSER</c> takes them).</param>
public sealed record RedisUser(string Name, IReadOnlyList<string> Rules);
