namespace Gateway.Proxy.Routing;

/// <summary>
/// Two routes with different authorization policies that can forward the same backend path to the
/// same backend: a caller refused by one could reach that path through the other.
/// </summary>
internal sealed record RouteOverlap(string FirstRoute, string? FirstPolicy, string SecondRoute, string? SecondPolicy, string Backend, string ExamplePath)
{
    public override string ToString() =>
        $"routes '{FirstRoute}' (policy '{FirstPolicy ?? "(none)"}') and '{SecondRoute}' (policy '{SecondPolicy ?? "(none)"}') both reach {ExamplePath} on {Backend}";
}
