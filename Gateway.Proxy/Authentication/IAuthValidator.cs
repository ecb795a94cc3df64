using Gateway.Auth.V1;
using Gateway.Proxy.AuthClients;
using Gateway.Proxy.Telemetry;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using AuthClient = Gateway.Auth.V1.AuthService.AuthServiceClient;

namespace Gateway.Proxy.Authentication;

/// <summary>Asks the auth service about one credential.</summary>
internal interface IAuthValidator
{
    Task<AuthLookup> ValidateAsync(string credential);
}
