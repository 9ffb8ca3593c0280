using Npa.Resolver.Model;
using Npa.Resolver.Resolution;
using Npa.Resolver.Verdicts;
using Npa.Tests.Shared.Oracle;

namespace Npa.Resolver.Tests.Verdicts;

public class VerdictEvaluatorTests
{
    public static TheoryData<int> Seeds()
    {
        TheoryData<int> data = [];
        for (int seed = 0; seed < 200; seed++)
        {
            data.Add(seed);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void ResolvedVerdicts_AgreeWithTheNaiveReadingOfTheApi(int seed)
    {
        RandomCluster cluster = RandomCluster.Generate(seed);
        ResolvedCluster resolved = PolicyResolver.Resolve(new ClusterSnapshot(cluster.Namespaces, cluster.Pods, cluster.Policies, []));
        foreach (PodInfo src in cluster.Pods)
        {
            foreach (PodInfo dst in cluster.Pods)
            {
                foreach (Protocol protocol in new[] { Protocol.Tcp, Protocol.Udp, Protocol.Sctp })
                {
                    foreach (int port in RandomCluster.ProbePorts)
                    {
                        bool expected = ReferenceVerdict.Allowed(cluster.Policies, cluster.Namespaces, src, dst, protocol, port);
                        ConnectionVerdict actual = VerdictEvaluator.Evaluate(resolved, src.Ref, dst.Ref, new Probe(protocol, port, null));
                        Assert.True(expected == actual.Allowed,
                            $"seed {seed}: {src.Ref} -> {dst.Ref} {protocol}/{port}: oracle {expected}, resolver {actual.Verdict} ({actual.Reason})");
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData("TCP/80", "TCP/80")]
    [InlineData("udp/53", "UDP/53")]
    [InlineData("SCTP/serve-80-sctp", "SCTP/serve-80-sctp")]
    public void Probe_ParsesProtocolAndPortOrName(string text, string normalised)
    {
        Assert.Equal(normalised, Probe.Parse(text).ToString());
    }

    [Theory]
    [InlineData("80", "PROTOCOL/PORT")]
    [InlineData("ICMP/1", "not TCP, UDP or SCTP")]
    [InlineData("TCP/70000", "not in 1..65535")]
    [InlineData("TCP/Bad_Name", "neither a number nor a port name")]
    public void Probe_RejectsBadTextWithAReason(string text, string reason)
    {
        Assert.False(Probe.TryParse(text, out _, out string? error));
        Assert.Contains(reason, error);
    }
}
