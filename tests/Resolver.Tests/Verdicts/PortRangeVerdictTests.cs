using Npa.Resolver.Model;
using Npa.Resolver.Resolution;
using Npa.Resolver.Verdicts;
using Npa.Tests.Shared.Builders;
using static Npa.Tests.Shared.Builders.Spec;

namespace Npa.Resolver.Tests.Verdicts;

/// <summary>A range is split where a rule starts or ends, and each piece has one verdict for every port in it.</summary>
public class PortRangeVerdictTests
{
    private static readonly ObjectRef A = new("x", "a");
    private static readonly ObjectRef B = new("x", "b");

    private static ResolvedCluster Cluster() => PolicyResolver.Resolve(new ClusterBuilder()
        .Pod("x/a", "pod=a", "10.0.0.1")
        .Pod("x/b", "pod=b", "10.0.0.2")
        .Policy(Ingress("x", "b-in", "pod=b", From(Pods("pod=a"), Tcp(100, 200), Tcp(150, 300), Udp(53))))
        .Policy(Egress("x", "a-out", "pod=a", Rule([], Tcp(250, 400), Udp(53))))
        .Build());

    [Fact]
    public void PiecesStartWhereARuleOfEitherSideStartsOrEnds()
    {
        IReadOnlyList<PortRangeVerdict> pieces = PortRangeVerdict.Evaluate(Cluster(), A, B, Protocol.Tcp, 1, 65535, IpFamily.Any);
        Assert.Equal(["TCP/1-99 X", "TCP/100-149 X", "TCP/150-200 X", "TCP/201-249 X", "TCP/250-300 .", "TCP/301-400 X", "TCP/401-65535 X"],
            pieces.Select(p => $"{p.PortText} {(p.Allowed ? "." : "X")}"));
    }

    [Fact]
    public void EveryPortOfAPiece_HasThePiecesVerdict()
    {
        ResolvedCluster cluster = Cluster();
        foreach (PortRangeVerdict piece in PortRangeVerdict.Evaluate(cluster, A, B, Protocol.Tcp, 1, 1000, IpFamily.Any))
        {
            for (int port = piece.FirstPort; port <= piece.LastPort; port++)
            {
                Assert.Equal(piece.Allowed, VerdictEvaluator.Evaluate(cluster, A, B, Probe.Tcp(port)).Allowed);
            }
        }
    }

    [Fact]
    public void ARangeInsideOnePiece_IsOneEvaluation()
    {
        IReadOnlyList<PortRangeVerdict> pieces = PortRangeVerdict.Evaluate(Cluster(), A, B, Protocol.Udp, 53, 53, IpFamily.Any);
        Assert.Equal("x/a -> x/b UDP/53", Assert.Single(pieces).ToString());
        Assert.True(pieces[0].Allowed);
    }
}
