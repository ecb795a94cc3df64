using Gateway.Contracts.Redis;

namespace Gateway.AppHost.Infrastructure;

/// <summary>
/// The service ACL users of <see cref="RedisUsers"/> as redis-server takes them: lines of a
/// configuration file (executables path, written by run-redis.sh to a private file) or
/// command-line options (container path, through Aspire's <c>/bin/sh -c</c> entry point). The
/// passwords are never in redis-server's arguments on the executables path: they arrive as
/// environment variables (<see cref="PasswordVariable"/>).
/// </summary>
internal static class RedisAcl
{
    /// <summary>The environment variable carrying <paramref name="user"/>'s password.</summary>
    public static string PasswordVariable(RedisUser user) =>
        "REDIS_ACL_" + user.Name.Replace("gateway-", string.Empty, StringComparison.Ordinal).ToUpperInvariant() + "_PASSWORD";

    /// <summary>
    /// One <c>user</c> line per service without its password: run-redis.sh appends each user's
    /// from <see cref="PasswordVariable"/> while writing its private configuration file.
    /// </summary>
    public static string ConfigurationLines() => string.Join('\n', RedisUsers.All.Select(user =>
        $"user {user.Name} {string.Join(' ', user.Rules)}"));

    /// <summary>
    /// <c>--user</c> options for a <c>/bin/sh -c</c> command line: each token in double quotes
    /// (the rules hold <c>*</c>, <c>&amp;</c>, <c>|</c> and <c>&gt;</c>), the password expanded by the shell.
    /// </summary>
    public static string CommandLineOptions() => string.Join(' ', RedisUsers.All.Select(user =>
        $"--user {user.Name} {string.Join(' ', user.Rules.Select(rule => '"' + rule + '"'))} \">${PasswordVariable(user)}\""));
}
