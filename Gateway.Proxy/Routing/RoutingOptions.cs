using System.ComponentModel.DataAnnotations;

namespace Gateway.Proxy.Routing;

/// <summary>Settings of the <c>Gateway:Routing</c> section.</summary>
internal sealed class RoutingOptions
{
    public const string SectionName = "Gateway:Routing";

    /// <summary>Routes with different authorization policies reaching the same backend path: refuse (default) or warn.</summary>
    [EnumDataType(typeof(OverlapCheckMode))]
    public OverlapCheckMode OverlapCheck { get; set; } = OverlapCheckMode.Refuse;

    /// <summary>Request paths with <c>%2F</c>, <c>%5C</c> or <c>\</c>: reject (default), keep or redirect.</summary>
    [EnumDataType(typeof(EscapedSlashAction))]
    public EscapedSlashAction EscapedSlashes { get; set; } = EscapedSlashAction.Reject;
}
