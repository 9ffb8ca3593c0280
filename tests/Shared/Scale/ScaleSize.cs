namespace Npa.Tests.Shared.Scale;

/// <summary>
/// How big a <see cref="ScaleScenario"/> is. The defaults are the measured scenario (100 namespaces of 50
/// pods on 50 nodes, 5 Services and 10 policies per namespace); tests pick smaller ones.
/// </summary>
public sealed record ScaleSize(int Namespaces = 100, int PodsPerNamespace = 50, int Nodes = 50)
{
    public int ServicesPerNamespace { get; init; } = 5;

    public int PoliciesPerNamespace { get; init; } = 10;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Namespaces, 1, nameof(Namespaces));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Namespaces, 1000, nameof(Namespaces));
        ArgumentOutOfRangeException.ThrowIfNegative(PodsPerNamespace, nameof(PodsPerNamespace));
        ArgumentOutOfRangeException.ThrowIfLessThan(Nodes, 1, nameof(Nodes));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Nodes, 254, nameof(Nodes));
        ArgumentOutOfRangeException.ThrowIfNegative(ServicesPerNamespace, nameof(ServicesPerNamespace));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ServicesPerNamespace, 200, nameof(ServicesPerNamespace));
        ArgumentOutOfRangeException.ThrowIfNegative(PoliciesPerNamespace, nameof(PoliciesPerNamespace));
        if ((long)Namespaces * PodsPerNamespace > 60000)
        {
            throw new ArgumentOutOfRangeException(nameof(PodsPerNamespace), "the pod range 10.200.0.0/16 holds at most 60,000 scenario pods");
        }
    }
}
