using System.Security.Cryptography;
using System.Text;

namespace Npa.Host.Cni;

/// <summary>
/// The name the VPC CNI gives a pod's host-side veth: <c>eni</c> followed by the first 11 hex digits
/// of SHA-1 of <c>"&lt;namespace&gt;.&lt;podname&gt;"</c>; the pod's extra interfaces (index 1 and up)
/// hash <c>"&lt;namespace&gt;.&lt;podname&gt;.&lt;index&gt;"</c>. 14 characters, within IFNAMSIZ.
/// </summary>
public static class HostVethName
{
    public const string Prefix = "eni";

    public static string For(string podNamespace, string podName, int index = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(podNamespace);
        ArgumentException.ThrowIfNullOrEmpty(podName);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        string text = index == 0 ? $"{podNamespace}.{podName}" : $"{podNamespace}.{podName}.{index}";
#pragma warning disable CA5350 // SHA-1 here is a naming rule shared with the CNI plugin, not security.
        byte[] hash = SHA1.HashData(Encoding.UTF8.GetBytes(text));
#pragma warning restore CA5350
        return Prefix + Convert.ToHexStringLower(hash)[..11];
    }

    /// <summary>The host veths of a pod with <paramref name="interfaceCount"/> interfaces (at least one).</summary>
    public static IReadOnlyList<string> All(string podNamespace, string podName, int interfaceCount) =>
        Enumerable.Range(0, Math.Max(1, interfaceCount)).Select(i => For(podNamespace, podName, i)).ToArray();
}
