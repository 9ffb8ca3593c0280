using System.Xml.Linq;
using Npa.Host.Verbs;

namespace Npa.Host.Tests.Verbs;

/// <summary>
/// <c>npa test</c> on the Stars demo: expectations pass or fail with the deciding rule shown, the exit code tells CI,
/// <c>--junit</c> writes a report, and a mistake in the expectations file is named precisely.
/// </summary>
public sealed class TestVerbTests : IDisposable
{
    private const string StarsExpectations = """
        expectations:
          - name: frontend reaches backend on 6379
            from: {pod: stars/frontend}
            to: {pod: stars/backend}
            ports: [TCP/6379]
            allowed: true
          - name: nothing else reaches the backend
            from: {}
            to: {namespace: stars, labels: {role: backend}}
            allowed: false
            except: [{from: {pod: stars/frontend}, ports: [TCP/6379]}, {from: {namespace: management-ui}}]
          - name: the client namespace reaches the frontend on 80 only
            from: {namespace: client}
            to: {pod: stars/frontend}
            ports: [TCP/1-79, TCP/81-65535, UDP/*]
            allowed: false
          - name: nothing outside stars reaches stars, except the client on 80 and the UI
            from: {notNamespace: stars}
            to: {namespace: stars}
            allowed: false
            except: [{from: {namespace: client}, ports: [TCP/80]}, {from: {namespace: management-ui}}]
        """;

    private readonly ScratchFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void StarsExpectations_PassOnTheLastStep_Exit0()
    {
        string expectations = _folder.Write("stars.yaml", StarsExpectations);
        StringWriter stdout = new();
        StringWriter stderr = new();

        int rc = TestVerb.Run(VerbFixtures.StarsAtStep(4), [expectations], null, stdout, stderr);

        Assert.True(rc == 0, stdout.ToString() + stderr);
        Assert.Contains("PASS frontend reaches backend on 6379 (1 pod pairs, 1 port ranges allowed)", stdout.ToString());
        Assert.EndsWith("4 expectations: 4 passed, 0 failed\n", stdout.ToString());
    }

    [Fact]
    public void BeforeTheBackendPolicy_TheFrontendCannotReachTheBackend_Exit1WithTheReason()
    {
        string expectations = _folder.Write("stars.yaml", StarsExpectations);
        StringWriter stdout = new();

        int rc = TestVerb.Run(VerbFixtures.StarsAtStep(2), [expectations], null, stdout, new StringWriter());

        Assert.Equal(1, rc);
        string text = stdout.ToString();
        Assert.Contains("FAIL frontend reaches backend on 6379: 1 of 1 port ranges denied, expected allowed", text);
        Assert.Contains("  stars/frontend -> stars/backend TCP/6379: DENIED, expected allowed", text);
        Assert.Contains("ingress of stars/backend: isolated by stars/allow-ui, stars/default-deny", text);
        Assert.Contains("no rule allows from 10.90.0.12 on TCP/6379: denied", text);
        Assert.Contains("PASS nothing else reaches the backend", text);
    }

    [Fact]
    public void WithNoPolicies_EverythingIsOpen_SoTheDenyExpectationsFail()
    {
        string expectations = _folder.Write("stars.yaml", StarsExpectations);
        StringWriter stdout = new();
        Assert.Equal(1, TestVerb.Run(VerbFixtures.StarsAtStep(0), [expectations], null, stdout, new StringWriter()));
        Assert.Contains("FAIL nothing else reaches the backend", stdout.ToString());
        Assert.Contains("client/client -> stars/backend TCP/1-65535: ALLOWED, expected denied", stdout.ToString());
        Assert.EndsWith("4 expectations: 1 passed, 3 failed\n", stdout.ToString());
    }

    [Fact]
    public void Junit_IsWrittenWithTheCounts()
    {
        string expectations = _folder.Write("stars.yaml", StarsExpectations);
        string junit = Path.Combine(_folder.Path, "report.xml");

        Assert.Equal(1, TestVerb.Run(VerbFixtures.StarsAtStep(2), [expectations], junit, new StringWriter(), new StringWriter()));

        XElement suites = XDocument.Load(junit).Root!;
        Assert.Equal("4", (string)suites.Attribute("tests")!);
        XElement suite = Assert.Single(suites.Elements("testsuite"));
        Assert.Equal(expectations, (string)suite.Attribute("name")!);
        Assert.Equal(4, suite.Elements("testcase").Count());
        Assert.Equal((string)suite.Attribute("failures")!, suite.Elements("testcase").Count(t => t.Element("failure") is not null).ToString());
        Assert.NotEqual("0", (string)suite.Attribute("failures")!);
    }

    [Fact]
    public void InvalidManifests_Exit3ByDefault_AndTheJUnitSaysWhy()
    {
        string expectations = _folder.Write("stars.yaml", StarsExpectations);
        string invalid = _folder.Write("invalid.yaml", """
            kind: NetworkPolicy
            apiVersion: networking.k8s.io/v1
            metadata: {namespace: stars, name: typo}
            spec:
              podSelector: {}
              ingress: [{ports: [{protocol: TCP, port: 99999}]}]
            """);
        string junit = Path.Combine(_folder.Path, "report.xml");
        StringWriter stderr = new();

        Assert.Equal(3, TestVerb.Run([.. VerbFixtures.StarsAtStep(4), invalid], [expectations], junit, new StringWriter(), stderr));
        Assert.Contains("NetworkPolicy stars/typo: spec.ingress[0].ports[0].port: 99999 is out of range", stderr.ToString());
        Assert.Contains("99999 is out of range", XDocument.Load(junit).Root!.Descendants("error").Single().Value);

        Assert.Equal(0, TestVerb.Run([.. VerbFixtures.StarsAtStep(4), invalid], [expectations], null, new StringWriter(), new StringWriter(), failOnInvalid: false));
        Assert.Equal(0, TestVerb.Create().Parse([.. VerbFixtures.StarsAtStep(4).Append(invalid).SelectMany(m => new[] { "-f", m }), expectations, "--fail-on-invalid", "false"]).Invoke());
        Assert.Equal(3, TestVerb.Create().Parse([.. VerbFixtures.StarsAtStep(4).Append(invalid).SelectMany(m => new[] { "-f", m }), expectations]).Invoke());
    }

    [Fact]
    public void Family_IPv6_OnTheIPv4OnlyStarsPods_DeniesWhatIPv4Allows()
    {
        string expectations = _folder.Write("stars.yaml", StarsExpectations);
        StringWriter stdout = new();
        Assert.Equal(1, TestVerb.Run(VerbFixtures.StarsAtStep(4), [expectations], null, stdout, new StringWriter(), familyText: "ipv6"));
        Assert.Contains("FAIL frontend reaches backend on 6379", stdout.ToString());
        Assert.Contains("do not both have an IPv6 address", stdout.ToString());
    }

    [Theory]
    [InlineData("- name: x", "must be one YAML document with a list under 'expectations'")]
    [InlineData("expectations:\n  - name: open\n    form: {}\n    to: {}\n    allowed: true\n", ":3: expectations[0] 'open': form: unknown field")]
    [InlineData("expectations:\n  - name: open\n    from: {}\n    to: {}\n", ":2: expectations[0] 'open': allowed: is required")]
    [InlineData("expectations:\n  - name: open\n    from: {}\n    to: {}\n    allowed: yes\n", "expectations[0] 'open': allowed: 'yes' must be true or false")]
    [InlineData("expectations:\n  - name: web\n    from: {pod: web}\n    to: {}\n    allowed: true\n", "expectations[0] 'web': from.pod: 'web' must be namespace/name")]
    [InlineData("expectations:\n  - name: web\n    from: {}\n    to: {}\n    ports: [TCP/99999]\n    allowed: true\n", "expectations[0] 'web': ports[0]: 'TCP/99999': ports must be in 1..65535")]
    [InlineData("expectations:\n  - name: web\n    from: {}\n    to: {}\n    allowed: true\n    except: [{from: {namespaces: a}}]\n", "expectations[0] 'web': except[0].from.namespaces: unknown field")]
    [InlineData("expectations:\n  - from: {}\n    to: {}\n    allowed: true\n", "expectations[0]: name: is required")]
    [InlineData("expectations:\n  - {name: a, from: {}, to: {}, allowed: true}\n  - {name: a, from: {}, to: {}, allowed: false}\n", "expectations[1] 'a': name: 'a' is used by an earlier expectation")]
    [InlineData("expectations: [\n", "not valid YAML")]
    public void AMistakeInTheExpectations_Exit2NamingTheExpectationAndField(string yaml, string reason)
    {
        string expectations = _folder.Write("broken.yaml", yaml);
        StringWriter stderr = new();
        StringWriter stdout = new();

        Assert.Equal(2, TestVerb.Run(VerbFixtures.StarsAtStep(4), [expectations], null, stdout, stderr));
        Assert.Contains(reason, stderr.ToString());
        Assert.Contains(expectations, stderr.ToString());
        Assert.Empty(stdout.ToString());
    }

    [Fact]
    public void OnTheCommandLine_EachDashFTakesOnePath_AndTheRestAreExpectations()
    {
        string expectations = _folder.Write("stars.yaml", StarsExpectations);
        string[] manifests = VerbFixtures.StarsAtStep(4);
        string[] args = [.. manifests.SelectMany(m => new[] { "-f", m }), expectations, "--family", "ipv4"];

        Assert.Equal(0, TestVerb.Create().Parse(args).Invoke());
        Assert.Equal(1, TestVerb.Create().Parse([.. VerbFixtures.StarsAtStep(2).SelectMany(m => new[] { "-f", m }), expectations]).Invoke());
    }

    [Fact]
    public void BadArguments_Exit2()
    {
        string expectations = _folder.Write("stars.yaml", StarsExpectations);
        Assert.Equal(2, TestVerb.Run(VerbFixtures.StarsAtStep(4), [], null, new StringWriter(), new StringWriter()));
        Assert.Equal(2, TestVerb.Run(null, [expectations], null, new StringWriter(), new StringWriter()));
        Assert.Equal(2, TestVerb.Run(VerbFixtures.StarsAtStep(4), [Path.Combine(_folder.Path, "missing.yaml")], null, new StringWriter(), new StringWriter()));
        Assert.Equal(2, TestVerb.Run(VerbFixtures.StarsAtStep(4), [expectations], null, new StringWriter(), new StringWriter(), familyText: "v6"));
    }
}
