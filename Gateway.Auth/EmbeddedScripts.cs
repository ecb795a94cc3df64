namespace Gateway.Auth;

/// <summary>The auth service's Lua scripts, embedded in the assembly (see Gateway.Auth.csproj).</summary>
internal static class EmbeddedScripts
{
    /// <summary>The text of the embedded resource <paramref name="resourceName"/>, e.g. <c>Gateway.Auth.Security.Scripts.login_attempt.lua</c>.</summary>
    public static string Load(string resourceName)
    {
        using var stream = typeof(EmbeddedScripts).Assembly.GetManifestResourceStream(resourceName)
            ?? throw new InvalidOperationException($"The script {resourceName} is not embedded.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
