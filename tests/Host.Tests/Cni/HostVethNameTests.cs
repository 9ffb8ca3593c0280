using Npa.Host.Cni;

namespace Npa.Host.Tests.Cni;

public class HostVethNameTests
{
    // Expected names computed independently: "eni" + sha1("<namespace>.<pod>[.<index>]").hexdigest()[:11].
    public static TheoryData<string, string, int, string> Vectors => new()
    {
        { "default", "web-1", 0, "eni0761ccbeace" },
        { "default", "nginx", 0, "enic440f455693" },
        { "stars", "backend", 0, "eni4fad2c602cf" },
        { "kube-system", "coredns-5d78c9869d-abcde", 0, "eni4d5f75c480c" },
        { "stars", "frontend-7f9c", 0, "enidd1ed4e0bb6" },
        { "stars", "frontend-7f9c", 1, "eni089fbb9c1a8" },
        { "stars", "frontend-7f9c", 2, "eni72df84cf214" },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Name_IsEniPlusFirst11HexDigitsOfSha1OfNamespaceDotPod(string ns, string pod, int index, string expected)
    {
        Assert.Equal(expected, HostVethName.For(ns, pod, index));
    }

    [Fact]
    public void EveryName_FitsInIfnamsiz()
    {
        Assert.Equal(14, HostVethName.For("a-very-long-namespace-name", "a-very-long-pod-name-0123456789").Length);
    }

    [Fact]
    public void ExtraInterfaces_AreSuffixedByIndex_AndTheFirstHasNoSuffix()
    {
        IReadOnlyList<string> all = HostVethName.All("stars", "frontend-7f9c", 3);

        Assert.Equal(["enidd1ed4e0bb6", "eni089fbb9c1a8", "eni72df84cf214"], all);
    }

    [Fact]
    public void InterfaceCountZero_MeansTheOnePrimaryInterface()
    {
        Assert.Equal(["eni0761ccbeace"], HostVethName.All("default", "web-1", 0));
    }
}
