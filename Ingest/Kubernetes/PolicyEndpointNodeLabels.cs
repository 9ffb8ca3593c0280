using System.Security.Cryptography;
using System.Text;

namespace Npa.Ingest.Kubernetes;

/// <summary>
/// Node-scoped distribution of PolicyEndpoints (docs/distribution.md). The controller labels every
/// PolicyEndpoint it writes with <see cref="Marker"/> and with one <see cref="NodeKey"/> per node that
/// runs a pod the policy selects (the same labels on every chunk of the policy, since a node needs all
/// of a policy's rules). An agent then watches two label-selected slices: <see cref="ForNode"/> (what our
/// controller published for its node) and <see cref="Unmarked"/> (PolicyEndpoints from a controller that
/// does not label, such as the EKS one). The EKS agent ignores labels and keeps working unchanged.
/// </summary>
public static class PolicyEndpointNodeLabels
{
    /// <summary>The prefix of every node label key.</summary>
    public const string NodePrefix = "nodes.npa.io/";

    /// <summary>Set to "true" on every PolicyEndpoint our controller writes.</summary>
    public const string Marker = "npa.io/node-scoped";

    private const int MaxNameLength = 63;

    /// <summary>
    /// The label key naming <paramref name="nodeName"/>: <c>nodes.npa.io/&lt;node&gt;</c> when the node's
    /// name fits a label name (63 characters), else its first 50 characters, '-', and 12 hex digits of
    /// the SHA-256 of the whole name, so two long names never share a key.
    /// </summary>
    public static string NodeKey(string nodeName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nodeName);
        if (nodeName.Length <= MaxNameLength && IsLabelName(nodeName))
        {
            return NodePrefix + nodeName;
        }

        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(nodeName)))[..12];
        string head = new string([.. nodeName.Take(50).Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-')]).Trim('-', '_', '.');
        return NodePrefix + (head.Length == 0 ? hash : head + "-" + hash);
    }

    /// <summary>The label selector an agent on <paramref name="nodeName"/> watches our controller's PolicyEndpoints with.</summary>
    public static string ForNode(string nodeName) => NodeKey(nodeName);

    /// <summary>The label selector for PolicyEndpoints that no node-scoping controller wrote.</summary>
    public static string Unmarked => "!" + Marker;

    /// <summary>The labels of one policy's PolicyEndpoints given the nodes of the pods it selects (ordered by key).</summary>
    public static SortedDictionary<string, string> For(IEnumerable<string> nodeNames)
    {
        ArgumentNullException.ThrowIfNull(nodeNames);
        SortedDictionary<string, string> labels = new(StringComparer.Ordinal) { [Marker] = "true" };
        foreach (string node in nodeNames)
        {
            if (!string.IsNullOrEmpty(node))
            {
                labels[NodeKey(node)] = "true";
            }
        }

        return labels;
    }

    private static bool IsLabelName(string name) =>
        char.IsAsciiLetterOrDigit(name[0]) && char.IsAsciiLetterOrDigit(name[^1]) &&
        name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
