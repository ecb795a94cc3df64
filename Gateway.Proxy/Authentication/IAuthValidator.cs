namespace Gateway.Proxy.Authentication;

/// <summary>Asks the auth service about one credential.</summary>
internal interface IAuthValidator
{
    Task<AuthLookup> ValidateAsync(string credential);
}
