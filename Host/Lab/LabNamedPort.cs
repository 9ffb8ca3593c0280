namespace Npa.Host.Lab;

/// <summary>A container port name a pod declares (<c>spec.containers[].ports[].name</c>) and the port it stands for on that pod.</summary>
public readonly record struct LabNamedPort(string Name, LabPort Port) : IComparable<LabNamedPort>
{
    public int CompareTo(LabNamedPort other)
    {
        int byName = string.CompareOrdinal(Name, other.Name);
        return byName != 0 ? byName : Port.CompareTo(other.Port);
    }

    /// <summary>As the state file records it: <c>serve-80-tcp=TCP/80</c>.</summary>
    public override string ToString() => $"{Name}={Port}";
}
