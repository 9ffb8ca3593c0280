using Npa.Host.Lab;
using Npa.Resolver.Model;

namespace Npa.Host.Tests.Lab;

public class LabNamesTests
{
    [Theory]
    [InlineData("default", "nginx", "enic440f455693")]
    [InlineData("stars", "backend", "eni4fad2c602cf")]
    public void HostVeth_IsEniPlusFirst11HexOfSha1OfNamespaceDotName(string ns, string pod, string expected)
    {
        Assert.Equal(expected, LabNames.HostVeth(new ObjectRef(ns, pod)));
    }

    [Fact]
    public void HostVeth_FitsAnInterfaceName()
    {
        Assert.True(LabNames.HostVeth(new ObjectRef("a-very-long-namespace-name", "and-a-long-pod-name")).Length <= 15);
    }

    [Fact]
    public void PodNamespace_CarriesThePrefixAndLabId_AndStaysDistinctAfterTruncation()
    {
        string a = LabNames.PodNamespace("npa", "abc123", new ObjectRef(new string('n', 50), "pod-a"));
        string b = LabNames.PodNamespace("npa", "abc123", new ObjectRef(new string('n', 50), "pod-b"));

        Assert.StartsWith(LabNames.NamespacePrefix("npa", "abc123"), a);
        Assert.NotEqual(a, b);
    }
}
