using System.Text;
using Npa.Ingest.Manifests;
using Npa.Resolver.Model;
using Npa.Resolver.Resolution;
using Npa.Resolver.Verdicts;

namespace Npa.Resolver.Tests.Resolution;

/// <summary>
/// The upstream Kubernetes NetworkPolicy e2e scenarios as data: each folder under Cases/ holds the
/// policies (and any objects it changes) applied on top of Cases/cluster.yaml, and expected.txt with the
/// reachability the upstream test asserts. A new scenario is a new folder.
/// </summary>
public class NetworkPolicyConformanceTests
{
    private static readonly string CasesDir = Path.Combine(AppContext.BaseDirectory, "Cases");

    public static TheoryData<string> Cases()
    {
        TheoryData<string> data = [];
        foreach (string dir in Directory.EnumerateDirectories(CasesDir).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(dir));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Scenario_ResolvesToTheReachabilityUpstreamExpects(string name)
    {
        string dir = Path.Combine(CasesDir, name);
        ManifestSet set = ManifestReader.ReadPaths([Path.Combine(CasesDir, "cluster.yaml"), .. Directory.EnumerateFiles(dir, "*.yaml").Order(StringComparer.Ordinal)]);
        Assert.Empty(set.Diagnostics);
        Assert.NotEmpty(set.Policies);

        ResolvedCluster resolved = PolicyResolver.Resolve(new ClusterSnapshot(set.Namespaces, set.Pods, set.Policies, set.Services));
        ObjectRef[] pods = set.Pods.Select(p => p.Ref).Order().ToArray();
        List<Reachability> expectations = Reachability.Parse(File.ReadAllText(Path.Combine(dir, "expected.txt")), pods);
        Assert.NotEmpty(expectations);

        StringBuilder wrong = new();
        foreach (Reachability expected in expectations)
        {
            foreach (((ObjectRef from, ObjectRef to), bool allowed) in expected.Expected.OrderBy(kv => kv.Key.From).ThenBy(kv => kv.Key.To))
            {
                ConnectionVerdict actual = VerdictEvaluator.Evaluate(resolved, from, to, expected.Probe);
                if (actual.Allowed != allowed)
                {
                    wrong.AppendLine($"{expected.Probe} {from} -> {to}: expected {(allowed ? "allow" : "deny")}, got {actual.Verdict} ({actual.Reason})");
                }
            }
        }

        Assert.True(wrong.Length == 0, $"{name}:\n{wrong}");
    }
}
