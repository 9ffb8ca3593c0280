namespace Npa.Enforcer;

/// <summary>
/// Where a pod's host-side veth lives: its name, and the network namespace it is in (a path such as
/// <c>/run/netns/node</c>, or null for the enforcer's own namespace).
/// </summary>
public sealed record PodAttachment(string InterfaceName, string? NetnsPath = null);
