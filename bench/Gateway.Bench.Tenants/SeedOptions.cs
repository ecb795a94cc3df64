namespace Gateway.Bench.Tenants;

/// <summary>Options of the <c>seed</c> verb.</summary>
internal sealed class SeedOptions
{
    public const string Usage = """
        seed: users and credentials for PostgreSQL's COPY, and the credentials file for `load`
          --out DIR              where to write users.csv, access_tokens.csv, api_keys.csv, plans.csv,
                                 credentials.csv and admin-token (created if missing; required)
          --keys N               credentials (default 10000); their order in credentials.csv is their
                                 popularity rank for `load`
          --users N              users owning them, credential i belonging to user i mod N (default: --keys)
          --api-key-share P      share of the credentials that are API keys, the rest access tokens (default 0.5)
          --plan NAME=L/W@SHARE  a plan with L requests per W seconds for SHARE of the users (repeatable;
                                 default free=600/10@0.8 pro=3000/10@0.2); written to plans.csv
          --token-days D         access tokens expire D days from now (default 30)
        """;

    public required string OutputDirectory { get; init; }

    public int Keys { get; init; } = 10_000;

    public int Users { get; init; } = 10_000;

    public double ApiKeyShare { get; init; } = 0.5;

    public IReadOnlyList<PlanSpec> Plans { get; init; } = DefaultPlans;

    public int TokenDays { get; init; } = 30;

    public static IReadOnlyList<PlanSpec> DefaultPlans { get; } =
        [new("free", 600, 10, 0.8), new("pro", 3000, 10, 0.2)];

    public static SeedOptions Parse(string[] args)
    {
        string? output = null;
        int keys = 10_000, tokenDays = 30;
        int? users = null;
        var apiKeyShare = 0.5;
        var plans = new List<PlanSpec>();
        foreach (var (name, value) in Arguments.Pairs(args))
        {
            switch (name)
            {
                case "--out":
                    output = value;
                    break;
                case "--keys":
                    keys = Arguments.Positive(name, value);
                    break;
                case "--users":
                    users = Arguments.Positive(name, value);
                    break;
                case "--api-key-share":
                    apiKeyShare = Arguments.Number(name, value, 0, 1);
                    break;
                case "--plan":
                    plans.Add(PlanSpec.Parse(value));
                    break;
                case "--token-days":
                    tokenDays = Math.Min(Arguments.Positive(name, value), 3650);
                    break;
                default:
                    throw new ArgumentException($"seed: unknown option {name}");
            }
        }

        if (output is null)
        {
            throw new ArgumentException("seed: --out is required");
        }

        if (plans.Count == 0)
        {
            plans.AddRange(DefaultPlans);
        }

        if (plans.Select(p => p.Name).Distinct(StringComparer.Ordinal).Count() != plans.Count)
        {
            throw new ArgumentException("seed: a plan is named twice");
        }

        if (Math.Abs(plans.Sum(p => p.Share) - 1) > 1e-9)
        {
            throw new ArgumentException("seed: the plans' shares must add up to 1");
        }

        return new SeedOptions
        {
            OutputDirectory = output,
            Keys = keys,
            Users = Math.Min(users ?? keys, keys),
            ApiKeyShare = apiKeyShare,
            Plans = plans,
            TokenDays = tokenDays,
        };
    }
}
