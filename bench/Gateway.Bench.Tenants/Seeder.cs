using System.Globalization;
using System.Text;
using Gateway.Contracts.Credentials;

namespace Gateway.Bench.Tenants;

/// <summary>
/// Writes the tenant population as CSV files for <c>psql \copy</c> into the auth service's own
/// tables (no registration over HTTP, no PBKDF2 per user): plans, users, access tokens, API keys;
/// plus <c>credentials.csv</c> for <c>load</c> and an admin's access token for the proxies'
/// <c>/gateway/diagnostics</c>.
/// </summary>
/// <remarks>
/// The layout is deterministic: user i's plan and credential i's kind are spread evenly by their
/// shares (the plan furthest below its share so far gets the next user), so the hottest keys of
/// every run have the same plans and kinds; only the secrets are random.
/// </remarks>
internal static class Seeder
{
    public const string CredentialsHeader = "kind,credential,user_id,plan,requests_per_window,window_seconds";

    public static void Run(SeedOptions options)
    {
        Directory.CreateDirectory(options.OutputDirectory);
        var expiresAt = DateTime.UtcNow.AddDays(options.TokenDays).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

        var planOfUser = Spread(options.Users, options.Plans.Select(p => p.Share).ToArray());
        var userIds = new Guid[options.Users];
        using (var users = Writer(options, "users.csv", secret: false))
        {
            users.WriteLine("id,user_name,user_name_normalized,password_hash,plan,roles");
            for (var i = 0; i < options.Users; i++)
            {
                userIds[i] = Guid.CreateVersion7();
                var name = string.Create(CultureInfo.InvariantCulture, $"tenant-{i:D6}");
                users.WriteLine($"{userIds[i]},{name},{name},{CredentialFactory.UnusablePasswordHash()},{options.Plans[planOfUser[i]].Name},{{user}}");
            }
        }

        var kindOfKey = Spread(options.Keys, [1 - options.ApiKeyShare, options.ApiKeyShare]);
        using (var tokens = Writer(options, "access_tokens.csv", secret: false))
        using (var keys = Writer(options, "api_keys.csv", secret: false))
        using (var credentials = Writer(options, "credentials.csv", secret: true))
        {
            tokens.WriteLine("token_hash,user_id,expires_at");
            keys.WriteLine("id,key_hash,user_id,name,prefix");
            credentials.WriteLine(CredentialsHeader);
            for (var i = 0; i < options.Keys; i++)
            {
                var user = i % options.Users;
                var plan = options.Plans[planOfUser[user]];
                string kind, credential;
                if (kindOfKey[i] == 0)
                {
                    kind = "access_token";
                    credential = CredentialFormat.NewAccessToken();
                    tokens.WriteLine($"{CredentialFactory.ByteaHex(CredentialFormat.Hash(credential))},{userIds[user]},{expiresAt}");
                }
                else
                {
                    kind = "api_key";
                    credential = CredentialFormat.NewApiKey();
                    keys.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{Guid.CreateVersion7()},{CredentialFactory.ByteaHex(CredentialFormat.Hash(credential))},{userIds[user]},tenant key {i},{CredentialFormat.DisplayPrefix(credential)}"));
                }

                credentials.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{kind},{credential},{userIds[user]},{plan.Name},{plan.RequestsPerWindow},{plan.WindowSeconds}"));
            }
        }

        using (var plans = Writer(options, "plans.csv", secret: false))
        {
            plans.WriteLine("name,requests_per_window,window_seconds");
            foreach (var plan in options.Plans)
            {
                plans.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{plan.Name},{plan.RequestsPerWindow},{plan.WindowSeconds}"));
            }
        }

        // An operator of its own for the proxies' diagnostics (auth-service call counters): appended
        // to the users and tokens, never part of the load.
        var adminId = Guid.CreateVersion7();
        var adminToken = CredentialFormat.NewAccessToken();
        File.AppendAllText(Path.Combine(options.OutputDirectory, "users.csv"),
            $"{adminId},tenant-admin,tenant-admin,{CredentialFactory.UnusablePasswordHash()},{options.Plans[0].Name},\"{{user,admin}}\"\n");
        File.AppendAllText(Path.Combine(options.OutputDirectory, "access_tokens.csv"),
            $"{CredentialFactory.ByteaHex(CredentialFormat.Hash(adminToken))},{adminId},{expiresAt}\n");
        using (var admin = Writer(options, "admin-token", secret: true))
        {
            admin.WriteLine(adminToken);
        }

        var apiKeys = kindOfKey.Count(k => k == 1);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[tenants] seeded {options.Users} users ({string.Join(", ", options.Plans.Select((p, j) => $"{planOfUser.Count(x => x == j)} {p.Name}: {p.RequestsPerWindow}/{p.WindowSeconds} s"))}), {options.Keys - apiKeys} access tokens, {apiKeys} API keys into {options.OutputDirectory}"));
    }

    /// <summary>
    /// Assigns each of <paramref name="count"/> items a class, spread evenly by <paramref name="shares"/>:
    /// the class furthest below its share so far takes the next item (the first on a tie).
    /// </summary>
    internal static int[] Spread(int count, double[] shares)
    {
        var result = new int[count];
        var taken = new int[shares.Length];
        for (var i = 0; i < count; i++)
        {
            var best = 0;
            var bestDeficit = double.NegativeInfinity;
            for (var j = 0; j < shares.Length; j++)
            {
                var deficit = (shares[j] * (i + 1)) - taken[j];
                if (shares[j] > 0 && deficit > bestDeficit + 1e-12)
                {
                    best = j;
                    bestDeficit = deficit;
                }
            }

            taken[best]++;
            result[i] = best;
        }

        return result;
    }

    private static StreamWriter Writer(SeedOptions options, string name, bool secret)
    {
        var settings = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, BufferSize = 1 << 16 };
        if (!OperatingSystem.IsWindows())
        {
            // Credentials are secrets: readable by their owner only.
            settings.UnixCreateMode = secret ? UnixFileMode.UserRead | UnixFileMode.UserWrite : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
        }

        var stream = new FileStream(Path.Combine(options.OutputDirectory, name), settings);
        return new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { NewLine = "\n" };
    }
}
