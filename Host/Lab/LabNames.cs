using System.Security.Cryptography;
using System.Text;
using Npa.Host.Cni;
using Npa.Resolver.Model;

namespace Npa.Host.Lab;

/// <summary>How the lab names what it creates. Every name carries the lab's prefix and id so labs never collide.</summary>
public static class LabNames
{
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

        return $"{prefix}-{labId}-{readable}-{HostVethName.For(pod.Namespace, pod.Name)[3..9]}";
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
