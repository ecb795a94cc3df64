using System.Buffers;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Routing;

/// <summary>
/// Looks at the request target as the client sent it (<see cref="IHttpRequestFeature.RawTarget"/>:
/// Kestrel keeps <c>%2F</c> escaped in <c>Request.Path</c> and HttpClient-style normalisation hides
/// it) for escaped slashes and backslashes. Kestrel routes <c>/public/..%2Fadmin</c> as one segment
/// under <c>/public</c>, but a backend that decodes <c>%2F</c> or treats <c>\</c> as <c>/</c> sees
/// <c>/public/../admin</c>: a path outside what the route's policy guards. Allocation-free on the
/// happy path: one vectorised search for <c>%</c> or <c>\</c> in the path.
/// </summary>
internal sealed class EscapedSlashMiddleware(RequestDelegate next, IOptionsMonitor<RoutingOptions> options, IProblemDetailsService problemDetails)
{
    private static readonly SearchValues<char> Suspicious = SearchValues.Create("%\\");

    public Task InvokeAsync(HttpContext context)
    {
        var action = options.CurrentValue.EscapedSlashes;
        if (action == EscapedSlashAction.Keep)
        {
            return next(context);
        }

        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (target is null || !HasEscapedSlash(PathOf(target)))
        {
            return next(context);
        }

        return action == EscapedSlashAction.UnescapeAndRedirect ? RedirectAsync(context, target) : RejectAsync(context);
    }

    /// <summary>
    /// Whether <paramref name="path"/> holds <c>\</c>, <c>%2F</c>, <c>%5C</c> or their double-escaped
    /// forms <c>%252F</c>/<c>%255C</c> (any case): Kestrel decodes <c>%25</c> to <c>%</c> and YARP
    /// forwards the resulting <c>%2F</c> as it is.
    /// </summary>
    internal static bool HasEscapedSlash(ReadOnlySpan<char> path)
    {
        while (true)
        {
            var at = path.IndexOfAny(Suspicious);
            if (at < 0)
            {
                return false;
            }

            path = path[at..];
            if (path[0] == '\\'
                || (path.Length >= 3 && IsSlashHex(path[1], path[2]))
                || (path.Length >= 5 && path[1] == '2' && path[2] == '5' && IsSlashHex(path[3], path[4])))
            {
                return true;
            }

            path = path[1..];
        }
    }

    /// <summary>The path of a request target: up to the query; an absolute-form target's path after its authority.</summary>
    internal static ReadOnlySpan<char> PathOf(string target)
    {
        var span = target.AsSpan();
        var query = span.IndexOf('?');
        if (query >= 0)
        {
            span = span[..query];
        }

        var scheme = span.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0 && span[0] != '/')
        {
            var rest = span[(scheme + 3)..];
            var slash = rest.IndexOf('/');
            span = slash < 0 ? [] : rest[slash..];
        }

        return span;
    }

    /// <summary>Whether two hex digits after a '%' are 2F ('/') or 5C (''), in any case.</summary>
    private static bool IsSlashHex(char high, char low) =>
        (high == '2' && low is 'F' or 'f') || (high == '5' && low is 'C' or 'c');

    private async Task RejectAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        await problemDetails.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status400BadRequest,
                Detail = "The request path contains an escaped slash or backslash (%2F, %5C) or a '\\', which this gateway does not forward.",
            },
        });
    }

    private static Task RedirectAsync(HttpContext context, string target)
    {
        var path = PathOf(target).ToString();
        var unescaped = path
            .Replace("%252F", "/", StringComparison.OrdinalIgnoreCase).Replace("%255C", "/", StringComparison.OrdinalIgnoreCase)
            .Replace("%2F", "/", StringComparison.OrdinalIgnoreCase).Replace("%5C", "/", StringComparison.OrdinalIgnoreCase)
            .Replace('\\', '/');
        context.Response.StatusCode = StatusCodes.Status307TemporaryRedirect;
        context.Response.Headers.Location = unescaped + context.Request.QueryString.Value;
        return Task.CompletedTask;
    }
}
