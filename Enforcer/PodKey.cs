using Npa.Resolver.Model;

namespace Npa.Enforcer;

/// <summary>
/// Identity of a pod on the node: namespace, name and uid. State is keyed by the pod itself, so two
/// pods of one ReplicaSet never share maps, and a recreated pod with the same name is a new pod.
/// </summary>
public sealed record PodKey(string Namespace, string Name, string Uid)
{
    public ObjectRef Ref => new(Namespace, Name);

    public override string ToString() => $"{Namespace}/{Name}/{Uid}";

    public static bool TryParse(string? text, out PodKey? key)
    {
        key = null;
        string[] parts = (text ?? string.Empty).Split('/');
        if (parts.Length != 3 || parts.Any(string.IsNullOrEmpty))
        {
            return false;
        }

        key = new PodKey(parts[0], parts[1], parts[2]);
        return true;
    }
}
