using System.Buffers;
using System.Diagnostics.CodeAnalysis;

namespace Gateway.Contracts.Configuration;

/// <summary>
/// What a plan (tier) may be called, everywhere a name is accepted: a configuration document's
/// <c>plans</c> section, <c>SetUserPlan</c>, the auth service's <c>Auth:Plans</c> and
/// <c>Auth:DefaultPlan</c>. The auth service's <c>plans</c> table checks the same rule
/// (<c>Gateway.Auth/Data/Migrations/0001_initial_schema.sql</c>), so a name accepted here is never
/// refused by PostgreSQL.
/// </summary>
public static class PlanNames
{
    public const int MaxLength = 32;

    /// <summary>The rule as a regular expression, for options attributes (<c>[RegularExpression]</c>).</summary>
    public const string Pattern = "^[a-z0-9_-]{1,32}$";

    /// <summary>The rule in words, for error messages ("plan: must be ...").</summary>
    public const string Rule = "must be 1-32 of lower-case letters, digits, '_' and '-'";

    private static readonly SearchValues<char> Allowed = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789_-");

    public static bool IsValid([NotNullWhen(true)] string? name) =>
        name is { Length: > 0 and <= MaxLength } && !name.AsSpan().ContainsAnyExcept(Allowed);
}
