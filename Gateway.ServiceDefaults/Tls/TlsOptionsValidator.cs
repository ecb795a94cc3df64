using Microsoft.Extensions.Options;

namespace Gateway.ServiceDefaults.Tls;

/// <summary>
/// Refuses to start with a certificate that cannot be served (missing file, wrong password, no
/// key, expired), with one sentence naming the setting, instead of a listener that fails its
/// first handshake or a stack trace from deep inside Kestrel.
/// </summary>
internal sealed class TlsOptionsValidator(TlsCertificateLoader loader) : IValidateOptions<TlsOptions>
{
    public ValidateOptionsResult Validate(string? name, TlsOptions options) =>
        loader.Get(options).Error is { } error ? ValidateOptionsResult.Fail(error) : ValidateOptionsResult.Success;
}
