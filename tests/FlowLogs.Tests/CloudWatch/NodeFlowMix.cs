using Npa.FlowLogs.Records;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;

namespace Npa.FlowLogs.Tests.CloudWatch;

/// <summary>
/// Flow records as one busy node sees them, seeded and deterministic: <see cref="LocalPods"/> pods on
/// the node talking to <see cref="Peers"/> peers (pods elsewhere in the cluster and a few external
/// addresses). Who talks is Zipf-ish: a few pods and peers carry most flows. Each pod serves one port
/// (443, 8080, 5432, 6379, 9090 over TCP, 53 over UDP), so a flow goes to the destination's port.
/// About half are ingress to a local pod, half egress from one. Every flow has its own ephemeral
/// source port. Most pairs are allowed by a named rule; one in seven is denied by the namespace's
/// default-deny policy. Pod names look like Deployment pods (<c>checkout-7d9f8c6b5-x2k4p</c>).
/// </summary>
public sealed class NodeFlowMix
{
    public const int LocalPods = 30;
    public const int Peers = 300;
    private const int ExternalPeers = 40;
    private const double ZipfExponent = 1.1;

    private static readonly string[] Namespaces = ["shop", "payments", "search", "identity", "data", "platform"];
    private static readonly string[] Apps =
    [
        "checkout", "cart", "catalog", "frontend", "orders", "billing", "ledger", "fraud", "search-api", "indexer",
        "auth", "sessions", "profile", "postgres", "redis", "kafka", "metrics", "gateway", "shipping", "recommend",
    ];

    private static readonly (ushort Port, byte Protocol)[] ServicePorts =
        [(443, 6), (8080, 6), (8080, 6), (5432, 6), (6379, 6), (9090, 6), (53, 17)];

    private readonly Endpoint[] _local;
    private readonly Endpoint[] _peers;
    private readonly double[] _localWeights;
    private readonly double[] _peerWeights;
    private readonly Random _random;
    private readonly Dictionary<(string, string, Direction), RuleRef> _rules = [];
    private readonly Dictionary<string, string[]> _isolation = new(StringComparer.Ordinal);
    private int _nextSourcePort;

    public NodeFlowMix(int seed = 20261125)
    {
        _random = new Random(seed);
        _local = [.. Enumerable.Range(0, LocalPods).Select(i => Pod(i, $"10.0.1.{10 + i}"))];
        _peers = [.. Enumerable.Range(0, Peers).Select(i => i < Peers - ExternalPeers
            ? Pod(LocalPods + i, $"10.0.{2 + (i / 200)}.{10 + (i % 200)}")
            : new Endpoint($"203.0.113.{i - (Peers - ExternalPeers) + 1}", null, null, 443, 6))];
        _localWeights = Cumulative(LocalPods);
        _peerWeights = Cumulative(Peers);
        _nextSourcePort = 32768;
    }

    /// <summary>One line describing the mix, for benchmark output.</summary>
    public static string Description =>
        $"{LocalPods} local pods x {Peers} peers ({Peers - ExternalPeers} cluster pods, {ExternalPeers} external), Zipf s={ZipfExponent} on both sides, "
        + "~50% ingress / 50% egress to the destination's service port (443, 8080, 5432, 6379, 9090/TCP, 53/UDP), 1 in 7 pairs denied, "
        + "every flow its own ephemeral source port";

    /// <summary>The next flow, stamped <paramref name="at"/>.</summary>
    public FlowRecord Next(DateTime at)
    {
        int localIndex = Pick(_localWeights);
        int peerIndex = Pick(_peerWeights);
        Endpoint local = _local[localIndex];
        Endpoint peer = _peers[peerIndex];
        bool ingress = peer.Pod is null ? _random.Next(4) == 0 : _random.Next(2) == 0; // external peers mostly get called
        (Endpoint src, Endpoint dst) = ingress ? (peer, local) : (local, peer);
        Direction direction = ingress ? Direction.Ingress : Direction.Egress;
        bool denied = ((localIndex * 31) + (peerIndex * 17) + (ingress ? 1 : 0)) % 7 == 0;
        Endpoint policyOwner = local;
        ushort sourcePort = (ushort)_nextSourcePort;
        _nextSourcePort = _nextSourcePort >= 60999 ? 32768 : _nextSourcePort + 1;
        return new FlowRecord
        {
            Timestamp = at,
            Source = FlowAddress.Parse(src.Ip),
            Destination = FlowAddress.Parse(dst.Ip),
            SourcePort = sourcePort,
            DestinationPort = dst.Port,
            Protocol = dst.Protocol,
            Verdict = denied ? FlowVerdict.Deny : FlowVerdict.Allow,
            Direction = direction,
            SourceNamespace = src.Namespace,
            SourcePod = src.Pod,
            DestinationNamespace = dst.Namespace,
            DestinationPod = dst.Pod,
            Rule = denied ? null : RuleFor(policyOwner, peer, direction),
            IsolatingPolicies = denied ? IsolationOf(policyOwner) : null,
            Count = 1,
        };
    }

    // One instance per rule and policy list, as the enricher hands them out.
    private RuleRef RuleFor(Endpoint owner, Endpoint peer, Direction direction)
    {
        string peerText = peer.Pod is null ? "ipBlock 0.0.0.0/0" : $"app={AppOf(peer.Pod)}";
        if (!_rules.TryGetValue((owner.Pod!, peerText, direction), out RuleRef? rule))
        {
            rule = new RuleRef(owner.Namespace!, $"allow-{AppOf(owner.Pod!)}", direction, 0, peerText);
            _rules.Add((owner.Pod!, peerText, direction), rule);
        }

        return rule;
    }

    private string[] IsolationOf(Endpoint owner)
    {
        if (!_isolation.TryGetValue(owner.Namespace!, out string[]? list))
        {
            list = [$"{owner.Namespace}/default-deny"];
            _isolation.Add(owner.Namespace!, list);
        }

        return list;
    }

    private Endpoint Pod(int i, string ip)
    {
        string app = Apps[i % Apps.Length];
        const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";
        string hash = string.Concat(Enumerable.Range(0, 9).Select(_ => Alphabet[_random.Next(Alphabet.Length)]));
        string suffix = string.Concat(Enumerable.Range(0, 5).Select(_ => Alphabet[_random.Next(Alphabet.Length)]));
        (ushort port, byte protocol) = ServicePorts[i % ServicePorts.Length];
        return new Endpoint(ip, Namespaces[i % Namespaces.Length], $"{app}-{hash}-{suffix}", port, protocol);
    }

    private static string AppOf(string pod) => pod[..pod.LastIndexOf('-', pod.LastIndexOf('-') - 1)];

    private static double[] Cumulative(int n)
    {
        double[] c = new double[n];
        double sum = 0;
        for (int k = 0; k < n; k++)
        {
            sum += 1 / Math.Pow(k + 1, ZipfExponent);
            c[k] = sum;
        }

        for (int k = 0; k < n; k++)
        {
            c[k] /= sum;
        }

        return c;
    }

    private int Pick(double[] cumulative)
    {
        int i = Array.BinarySearch(cumulative, _random.NextDouble());
        return Math.Min(i < 0 ? ~i : i, cumulative.Length - 1);
    }

    private sealed record Endpoint(string Ip, string? Namespace, string? Pod, ushort Port, byte Protocol);
}
