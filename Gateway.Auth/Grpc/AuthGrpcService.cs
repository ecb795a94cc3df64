using Gateway.Auth.Data;
using Gateway.Auth.Invalidation;
using Gateway.Auth.Security;
using Gateway.Auth.V1;
using Gateway.Contracts.Credentials;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Gateway.Auth.Grpc;

internal sealed partial class AuthGrpcService(
    AuthStore store,
    PasswordHasher passwordHasher,
    CredentialValidator validator,
    CallerAuthenticator callers,
    LoginThrottle throttle,
    AuthStatistics statistics,
    InvalidationPublisher invalidations,
    TimeProvider timeProvider,
    IOptionsMonitor<AuthOptions> options,
    IOptions<PasswordPolicyOptions> passwordPolicy,
    ILogger<AuthGrpcService> logger) : AuthService.AuthServiceBase
{
    private static readonly string[] DefaultRoles = ["user"];

    public override async Task<RegisterResponse> Register(RegisterRequest request, ServerCallContext context)
    {
        var userName = RequestValidation.NewUserName(request.UserName);
        var password = RequestValidation.NewPassword(request.Password, passwordPolicy.Value);
        var cancellationToken = context.CancellationToken;

        var plan = options.CurrentValue.DefaultPlan;
        var hash = await passwordHasher.HashAsync(password, cancellationToken);
        var id = Guid.CreateVersion7();
        if (!await store.TryCreateUserAsync(id, userName, RequestValidation.Normalize(userName), hash, plan, DefaultRoles, cancellationToken))
        {
            throw new RpcException(new Status(StatusCode.AlreadyExists, "user_name: is already taken"));
        }

        Log.Registered(logger, id);
        return new RegisterResponse { UserId = id.ToString("D"), UserName = userName, Plan = plan };
    }

    public override async Task<LoginResponse> Login(LoginRequest request, ServerCallContext context)
    {
        var userName = RequestValidation.ExistingUserName(request.UserName);
        var password = RequestValidation.ExistingPassword(request.Password, passwordPolicy.Value.MaxLength);
        var clientAddress = RequestValidation.ClientAddress(request.ClientAddress);
        var normalized = RequestValidation.Normalize(userName);
        var cancellationToken = context.CancellationToken;

        // Counted before the password is looked at (atomically): concurrent guesses cannot all pass.
        var attempt = await throttle.BeginAsync(normalized, clientAddress, cancellationToken);

        // Unknown users are verified against a dummy hash: same work, same answer, same time.
        var user = await store.FindLoginAsync(normalized, cancellationToken);
        var verification = await passwordHasher.VerifyAsync(password, user?.PasswordHash, cancellationToken);
        if (user is null || verification == PasswordVerification.Failed || user.Disabled)
        {
            // The attempt stays counted (a disabled account's right password too: answering it
            // differently, or faster, would tell that the password is right).
            statistics.LoginAnswered(succeeded: false);
            Log.LoginFailed(logger);
            throw new RpcException(new Status(StatusCode.Unauthenticated, "Invalid user name or password."));
        }

        await throttle.SucceededAsync(attempt, cancellationToken);
        statistics.LoginAnswered(succeeded: true);

        var token = CredentialFormat.NewAccessToken();
        var expiresAt = timeProvider.GetUtcNow().Add(options.CurrentValue.AccessTokenLifetime);
        await store.InsertAccessTokenAsync(CredentialFormat.Hash(token), user.Id, expiresAt.UtcDateTime, cancellationToken);
        if (verification == PasswordVerification.SucceededRehashNeeded)
        {
            await UpgradePasswordHashAsync(user, password, cancellationToken);
        }

        Log.LoggedIn(logger, user.Id);
        return new LoginResponse
        {
            AccessToken = token,
            ExpiresAt = Timestamp.FromDateTimeOffset(expiresAt),
            UserId = user.Id.ToString("D"),
            Plan = user.Plan,
        };
    }

    public override async Task<ValidateTokenResponse> ValidateToken(ValidateTokenRequest request, ServerCallContext context)
    {
        var credential = RequestValidation.Credential(request.Credential, "credential");
        var check = await validator.CheckAsync(credential, context.CancellationToken);
        var kind = check.Type switch
        {
            CredentialType.AccessToken => CredentialKind.AccessToken,
            CredentialType.ApiKey => CredentialKind.ApiKey,
            _ => CredentialKind.Unspecified,
        };

        if (!check.IsValid)
        {
            return new ValidateTokenResponse { Valid = false, Kind = kind, Reason = check.Reason };
        }

        var row = check.Principal!;
        var principal = new Principal
        {
            UserId = row.UserId.ToString("D"),
            UserName = row.UserName,
            Plan = row.Plan,
            RequestsPerWindow = row.RequestsPerWindow,
            WindowSeconds = row.WindowSeconds,
        };
        principal.Roles.AddRange(row.Roles);

        var response = new ValidateTokenResponse { Valid = true, Kind = kind, Principal = principal };
        if (row.ExpiresAt is { } expiresAt)
        {
            response.ExpiresAt = Timestamp.FromDateTime(DateTime.SpecifyKind(expiresAt, DateTimeKind.Utc));
        }

        return response;
    }

    public override async Task<RevokeTokenResponse> RevokeToken(RevokeTokenRequest request, ServerCallContext context)
    {
        var token = RequestValidation.Credential(request.AccessToken, "access_token");
        if (CredentialFormat.Classify(token) != CredentialType.AccessToken)
        {
            return new RevokeTokenResponse { Revoked = false };
        }

        var hash = CredentialFormat.Hash(token);
        var revoked = await store.RevokeAccessTokenAsync(hash, timeProvider.GetUtcNow().UtcDateTime, context.CancellationToken);
        if (revoked)
        {
            await invalidations.CredentialRevokedAsync(hash);
        }

        return new RevokeTokenResponse { Revoked = revoked };
    }

    public override async Task<CreateApiKeyResponse> CreateApiKey(CreateApiKeyRequest request, ServerCallContext context)
    {
        var caller = await callers.AuthenticateAsync(request.AccessToken, context.CancellationToken);
        var name = RequestValidation.KeyName(request.Name);

        var key = CredentialFormat.NewApiKey();
        var maxActive = options.CurrentValue.MaxActiveApiKeysPerUser;
        var row = await store.InsertApiKeyAsync(
            Guid.CreateVersion7(), CredentialFormat.Hash(key), caller.UserId, name, CredentialFormat.DisplayPrefix(key), maxActive, context.CancellationToken)
            ?? throw new RpcException(new Status(
                StatusCode.FailedPrecondition,
                $"A user may hold at most {maxActive} active API keys. Revoke one before creating another."));

        Log.ApiKeyCreated(logger, caller.UserId, row.Id);
        return new CreateApiKeyResponse { ApiKey = key, Info = ToInfo(row) };
    }

    public override async Task<ListApiKeysResponse> ListApiKeys(ListApiKeysRequest request, ServerCallContext context)
    {
        var caller = await callers.AuthenticateAsync(request.AccessToken, context.CancellationToken);
        var rows = await store.ListApiKeysAsync(caller.UserId, context.CancellationToken);

        var response = new ListApiKeysResponse();
        response.Keys.AddRange(rows.Select(ToInfo));
        return response;
    }

    public override async Task<RevokeApiKeyResponse> RevokeApiKey(RevokeApiKeyRequest request, ServerCallContext context)
    {
        var caller = await callers.AuthenticateAsync(request.AccessToken, context.CancellationToken);
        var keyId = RequestValidation.Id(request.KeyId, "key_id");

        var hash = await store.RevokeApiKeyAsync(caller.UserId, keyId, timeProvider.GetUtcNow().UtcDateTime, context.CancellationToken)
            ?? throw new RpcException(new Status(StatusCode.NotFound, "key_id: no such key"));
        if (hash.Length == 0)
        {
            return new RevokeApiKeyResponse { Revoked = false };
        }

        await invalidations.CredentialRevokedAsync(hash);
        return new RevokeApiKeyResponse { Revoked = true };
    }

    /// <summary>
    /// Stores the hash of a password just verified against a hash with other parameters (a lower
    /// iteration count, another algorithm), now that the password is at hand: the only moment an
    /// upgrade is possible. Costs one more hash, at this login only. Best effort: the login has
    /// succeeded, and a failed upgrade is tried again at the next one.
    /// </summary>
    private async Task UpgradePasswordHashAsync(LoginRow user, string password, CancellationToken cancellationToken)
    {
        try
        {
            var upgraded = await passwordHasher.HashAsync(password, cancellationToken);
            if (await store.ReplacePasswordHashAsync(user.Id, user.PasswordHash, upgraded, cancellationToken))
            {
                statistics.PasswordRehashed();
                Log.PasswordRehashed(logger, user.Id);
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            Log.PasswordRehashFailed(logger, user.Id, ex.GetType().Name);
        }
    }

    private static ApiKeyInfo ToInfo(ApiKeyRow row)
    {
        var info = new ApiKeyInfo
        {
            Id = row.Id.ToString("D"),
            Name = row.Name,
            Prefix = row.Prefix,
            CreatedAt = Timestamp.FromDateTime(DateTime.SpecifyKind(row.CreatedAt, DateTimeKind.Utc)),
        };
        if (row.RevokedAt is { } revokedAt)
        {
            info.RevokedAt = Timestamp.FromDateTime(DateTime.SpecifyKind(revokedAt, DateTimeKind.Utc));
        }

        return info;
    }

    // Identifiers only: never a user name with a password attempt, a token or a key.
    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Registered user {UserId}")]
        public static partial void Registered(ILogger logger, Guid userId);

        [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} logged in")]
        public static partial void LoggedIn(ILogger logger, Guid userId);

        [LoggerMessage(Level = LogLevel.Information, Message = "Failed login")]
        public static partial void LoginFailed(ILogger logger);

        [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId}'s password hash upgraded to the current parameters")]
        public static partial void PasswordRehashed(ILogger logger, Guid userId);

        [LoggerMessage(Level = LogLevel.Warning, Message = "User {UserId}'s password hash could not be upgraded ({ExceptionType}); trying again at the next login")]
        public static partial void PasswordRehashFailed(ILogger logger, Guid userId, string exceptionType);

        [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} created API key {KeyId}")]
        public static partial void ApiKeyCreated(ILogger logger, Guid userId, Guid keyId);
    }
}
