using Npa.Host.Lab;
using Npa.Resolver.Model;

namespace Npa.Host.Tests.Lab;

public class LabNamesTests
{
    [Fact]
    public void PodNamespace_CarriesThePrefixAndLabId_AndStaysDistinctAfterTruncation()
    {
        string a = LabNames.PodNamespace("npa", "abc123", new ObjectRef(new string('n', 50), "pod-a"));
        string b = LabNames.PodNamespace("npa", "abc123", new ObjectRef(new string('n', 50), "pod-b"));

        Assert.StartsWith(LabNames.NamespacePrefix("npa", "abc123"), a);
        Assert.NotEqual(a, b);
    }
}
