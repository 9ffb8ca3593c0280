using System.Xml.Linq;
using Npa.Resolver.Model;
using Npa.Resolver.Reports;
using Npa.Resolver.Resolution;
using Npa.Resolver.Verdicts;
using Npa.Tests.Shared.Builders;
using static Npa.Tests.Shared.Builders.Spec;

namespace Npa.Resolver.Tests.Reports;

/// <summary>
/// <c>npa test</c>'s semantics: an expectation holds when every connection it covers has the expected verdict.
/// The cluster: "shop" with web and db (db accepts web on TCP 5432 and 9000-9099 only), and "edge" with a proxy
/// that nothing isolates.
/// </summary>
public class PolicyTestReportTests
{
    private static readonly NamespaceInfo[] Namespaces = [Namespace("shop", "team=shop"), Namespace("edge", "team=edge")];

    private static ResolvedCluster Cluster() => PolicyResolver.Resolve(new ClusterBuilder()
        .Namespace("shop", "team=shop").Namespace("edge", "team=edge")
        .Pod("shop/web", "app=web", "10.0.0.1", "http=8080")
        .Pod("shop/db", "app=db", "10.0.0.2", "postgres=5432")
        .Pod("edge/proxy", "app=proxy", "10.0.1.1", "https=443")
        .Policy(Ingress("shop", "db", "app=db", From(Pods("app=web"), Tcp(5432), Tcp(9000, 9099))))
        .Build());

    private static ExpectationResult Check(PolicyExpectation expectation, IpFamily family = IpFamily.Any) =>
        PolicyTestReport.Evaluate(Cluster(), Namespaces, [expectation], family).Results.Single();

    private static PolicyExpectation Expect(string from, string to, bool allowed, params string[] ports) =>
        new($"{from} -> {to}", PodSelection.OnePod(from), PodSelection.OnePod(to), ports.Length == 0 ? null : ports.Select(PortSelection.Parse).ToArray(), allowed, []);

    [Theory]
    [InlineData("shop/web", "shop/db", true, "TCP/5432")]
    [InlineData("shop/web", "shop/db", true, "TCP/postgres")]
    [InlineData("shop/web", "shop/db", true, "TCP/9000-9099")]
    [InlineData("shop/web", "shop/db", false, "TCP/1-5431", "TCP/5433-8999", "TCP/9100-65535", "UDP/*", "SCTP/5432")]
    [InlineData("edge/proxy", "shop/db", false)]
    [InlineData("shop/db", "shop/web", true)]
    [InlineData("shop/web", "edge/proxy", true, "TCP/https", "UDP/53")]
    public void AnExpectationThatMatchesThePolicies_Passes(string from, string to, bool allowed, params string[] ports)
    {
        ExpectationResult result = Check(Expect(from, to, allowed, ports));
        Assert.True(result.Passed, result.Summary);
        Assert.Equal(1, result.PairsChecked);
    }

    [Theory]
    [InlineData("shop/web", "shop/db", false, "TCP/5432")]
    [InlineData("shop/web", "shop/db", true, "TCP/8999-9000")]
    [InlineData("edge/proxy", "shop/db", true, "TCP/5432")]
    [InlineData("shop/web", "shop/db", true)]
    public void AnExpectationThePoliciesContradict_Fails(string from, string to, bool allowed, params string[] ports)
    {
        ExpectationResult result = Check(Expect(from, to, allowed, ports));
        Assert.False(result.Passed);
        Assert.NotEmpty(result.Failures);
        Assert.All(result.Failures, f => Assert.NotEqual(allowed, f.Allowed));
    }

    [Fact]
    public void ARange_FailsOnExactlyThePortsWithTheWrongVerdict()
    {
        ExpectationResult result = Check(Expect("shop/web", "shop/db", true, "TCP/5000-9500"));
        Assert.Equal(["shop/web -> shop/db TCP/5000-5431", "shop/web -> shop/db TCP/5433-8999", "shop/web -> shop/db TCP/9100-9500"],
            result.Failures.Select(f => f.ToString()));
        Assert.Equal(5, result.RangesChecked);
    }

    [Fact]
    public void EveryPort_IsCheckedWhenPortsAreLeftOut()
    {
        ExpectationResult result = Check(Expect("shop/web", "shop/db", false));
        Assert.Equal(["shop/web -> shop/db TCP/5432", "shop/web -> shop/db TCP/9000-9099"], result.Failures.Select(f => f.ToString()));
    }

    [Fact]
    public void AFailure_CarriesTheExplanationNamingTheDecidingRule()
    {
        ExpectationResult result = Check(Expect("shop/web", "shop/db", false, "TCP/5432"));
        string text = new PolicyTestReport([result]).ToText();
        Assert.Equal(
            "FAIL shop/web -> shop/db: 1 of 1 port ranges allowed, expected denied\n" +
            "  shop/web -> shop/db TCP/5432: ALLOWED, expected denied\n" +
            "    shop/web -> shop/db TCP/5432: ALLOWED\n" +
            "      allowed by both sides\n" +
            "      addresses: 10.0.0.1 -> 10.0.0.2\n" +
            "      egress of shop/web: not isolated (no NetworkPolicy selects it for egress): allowed\n" +
            "      ingress of shop/db: isolated by shop/db\n" +
            "        allowed by shop/db ingress[0] (podSelector app=web): 10.0.0.1/32 TCP/5432\n" +
            "1 expectations: 0 passed, 1 failed\n",
            text);
    }

    [Fact]
    public void NotNamespaceWithExcept_SaysNothingOutsideReachesIn_ExceptTheExceptedPort()
    {
        PolicyExpectation nothingFromOutside = new("nothing outside shop reaches shop", new PodSelection(NotNamespace: "shop"), new PodSelection(Namespace: "shop"), null, false, []);
        ExpectationResult strict = Check(nothingFromOutside);
        Assert.False(strict.Passed);
        Assert.All(strict.Failures, f => Assert.Equal(new ObjectRef("shop", "web"), f.To));

        PolicyExpectation exceptWeb = nothingFromOutside with { Except = [new ExpectationException(null, PodSelection.OnePod("shop/web"), null)] };
        Assert.True(Check(exceptWeb).Passed, Check(exceptWeb).Summary);

        PolicyExpectation exceptOnePort = nothingFromOutside with { Except = [new ExpectationException(null, null, [PortSelection.Parse("TCP/1-65535")])] };
        ExpectationResult partly = Check(exceptOnePort);
        Assert.False(partly.Passed);
        Assert.All(partly.Failures, f => Assert.NotEqual(Protocol.Tcp, f.Protocol));
    }

    [Fact]
    public void Labels_AndNamespaceLabels_SelectPods()
    {
        PolicyExpectation byLabels = new("web reaches db", new PodSelection(Labels: Select("app=web")), new PodSelection(NamespaceLabels: Select("team=shop"), Labels: Select("app=db")),
            [PortSelection.Parse("TCP/5432")], true, []);
        ExpectationResult result = Check(byLabels);
        Assert.True(result.Passed, result.Summary);
        Assert.Equal(1, result.PairsChecked);
    }

    [Fact]
    public void APodIsNeverCheckedAgainstItself()
    {
        PolicyExpectation shopToDb = new("no pod of shop reaches db on UDP", new PodSelection(Namespace: "shop"), PodSelection.OnePod("shop/db"),
            [PortSelection.Parse("UDP/*")], false, []);
        ExpectationResult result = Check(shopToDb);
        Assert.True(result.Passed, result.Summary);
        Assert.Equal(1, result.PairsChecked);
    }

    [Fact]
    public void ASelectionOfNoPod_FailsRatherThanPassingVacuously()
    {
        ExpectationResult result = Check(new PolicyExpectation("typo", new PodSelection(Namespace: "shopp"), PodSelection.Everything, null, false, []));
        Assert.False(result.Passed);
        Assert.Equal("from (namespace shopp) selects no pod, so nothing is checked", result.Problem);
    }

    [Fact]
    public void ANamedPortNoDestinationDeclares_LeavesNothingToCheck_AndFails()
    {
        ExpectationResult result = Check(Expect("shop/web", "shop/db", false, "TCP/https"));
        Assert.False(result.Passed);
        Assert.StartsWith("no connection is left to check", result.Problem);
    }

    [Fact]
    public void JUnit_HasTheCountsAndOneTestcasePerExpectation_GroupedByFile()
    {
        PolicyExpectation pass = Expect("shop/web", "shop/db", true, "TCP/5432") with { Name = "web reaches db", Source = "ci/shop.yaml:3" };
        PolicyExpectation fail = Expect("edge/proxy", "shop/db", true, "TCP/5432") with { Name = "proxy reaches db", Source = "ci/shop.yaml:9" };
        PolicyExpectation other = Expect("shop/db", "shop/web", true) with { Name = "db reaches web", Source = "ci/other.yaml:2" };
        PolicyTestReport report = PolicyTestReport.Evaluate(Cluster(), Namespaces, [pass, fail, other]);

        XElement suites = XDocument.Parse(report.ToJUnit()).Root!;
        Assert.Equal("testsuites", suites.Name.LocalName);
        Assert.Equal(("3", "1", "0"), ((string)suites.Attribute("tests")!, (string)suites.Attribute("failures")!, (string)suites.Attribute("errors")!));
        XElement[] suite = suites.Elements("testsuite").ToArray();
        Assert.Equal(["ci/shop.yaml", "ci/other.yaml"], suite.Select(s => (string)s.Attribute("name")!));
        Assert.Equal(("2", "1"), ((string)suite[0].Attribute("tests")!, (string)suite[0].Attribute("failures")!));
        XElement failed = suite[0].Elements("testcase").Single(t => (string)t.Attribute("name")! == "proxy reaches db");
        XElement failure = failed.Element("failure")!;
        Assert.StartsWith("FAIL proxy reaches db: 1 of 1 port ranges denied, expected allowed", (string)failure.Attribute("message")!);
        Assert.Contains("isolated by shop/db", failure.Value);
        Assert.Null(suite[0].Elements("testcase").Single(t => (string)t.Attribute("name")! == "web reaches db").Element("failure"));
    }

    [Fact]
    public void JUnit_ReportsInvalidInputAsAnError()
    {
        PolicyTestReport report = PolicyTestReport.Evaluate(Cluster(), Namespaces, [Expect("shop/web", "shop/db", true, "TCP/5432")]);
        XElement suites = XDocument.Parse(report.ToJUnit("npa test", ["error: NetworkPolicy shop/x: spec.ingress[0].ports[0].port: 99999 is out of range"])).Root!;
        Assert.Equal(("2", "0", "1"), ((string)suites.Attribute("tests")!, (string)suites.Attribute("failures")!, (string)suites.Attribute("errors")!));
        Assert.Contains("99999 is out of range", suites.Element("testsuite")!.Element("testcase")!.Element("error")!.Value);
    }
}
