namespace Gateway.Contracts.Configuration;

/// <summary>
/// A configuration document does not have the shape the contract says. <see cref="Field"/> is the
/// path of the offending member inside the document (<c>plans.free.requestsPerWindow</c>), and the
/// message is <c>"&lt;field&gt;: &lt;problem&gt;"</c>, fit to show to whoever wrote the document.
/// </summary>
public sealed class ConfigFormatException : FormatException
{
    public ConfigFormatException(string field, string problem)
        : base($"{field}: {problem}")
    {
        Field = field;
        Problem = problem;
    }

    /// <summary>Where in the document, as a path of member names (<c>plans.free</c>).</summary>
    public string Field { get; }

    /// <summary>What is wrong there, without the field (<c>must be an object</c>).</summary>
    public string Problem { get; }
}
