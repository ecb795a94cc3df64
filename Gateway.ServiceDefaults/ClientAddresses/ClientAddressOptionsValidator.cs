using Microsoft.Extensions.Options;

namespace Gateway.ServiceDefaults.ClientAddresses;

/// <summary>Refuses to start with a trusted-proxy entry that is not an address or a network, naming it.</summary>
internal sealed class ClientAddressOptionsValidator : IValidateOptions<ClientAddressOptions>
{
    public ValidateOptionsResult Validate(string? name, ClientAddressOptions options) =>
        options.TrustedProxiesAreValid(out var error) ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(error!);
}
