using System.Security.Cryptography;
using System.Text;
using Npa.Resolver.Model;

namespace Npa.Host.Lab;

/// <summary>How the lab names what it creates. Every name carries the lab's prefix and id so labs never collide.</summary>
public static class LabNames
{
    /// <summary>
    /// Host-side veth name the EKS VPC CNI gives a pod: <c>eni</c> + the first 11 hex digits of
    /// SHA-1("namespace.podname").
    /// </summary>
    public static string HostVeth(ObjectRef pod)
    {
#pragma warning disable CA5350 // the CNI's naming rule, not a security use
        byte[] hash = SHA1.HashData(Encoding.UTF8.GetBytes($"{pod.Namespace}.{pod.Name}"));
#pragma warning restore CA5350
        return "eni" + Convert.ToHexStringLower(hash)[..11];
    }

    /// <summary>A fresh lab id: 6 hex digits.</summary>
    public static string NewLabId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));

    public static string NodeNamespace(string prefix, string labId) => $"{prefix}-{labId}-node";

    /// <summary>Namespace of one pod: readable, unique in the lab (the veth hash disambiguates truncation).</summary>
    public static string PodNamespace(string prefix, string labId, ObjectRef pod)
    {
        string readable = Sanitize($"{pod.Namespace}-{pod.Name}");
        if (readable.Length > 40)
        {
            readable = readable[..40];
        }

        return $"{prefix}-{labId}-{readable}-{HostVeth(pod)[3..9]}";
    }

    /// <summary>Every namespace of lab <paramref name="labId"/> starts with this.</summary>
    public static string NamespacePrefix(string prefix, string labId) => $"{prefix}-{labId}-";

    /// <summary>bpffs directory the lab's enforcer pins under.</summary>
    public static string BpfRoot(string prefix, string labId) => $"/sys/fs/bpf/{prefix}-lab-{labId}";

    private static string Sanitize(string s)
    {
        StringBuilder b = new(s.Length);
        foreach (char c in s)
        {
            b.Append(char.IsAsciiLetterOrDigit(c) || c == '-' ? char.ToLowerInvariant(c) : '-');
        }

        return b.ToString();
    }
}
