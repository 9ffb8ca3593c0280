using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npa.Ingest.Journal;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;
using Npa.Resolver.Resolution;

namespace Npa.Host.Verbs;

/// <summary>
/// <c>npa replay JOURNAL_DIR [--until TIME] [--node NAME] [-o table|json]</c>: rebuilds the object set a
/// node's journal holds (optionally as it was at TIME), runs the resolver over it offline and prints
/// every pod's decisions: isolation per direction and the allow rules with the policy rule behind each.
/// Reads the journal without changing it, so a copy taken from a node can be examined on a laptop.
/// </summary>
internal static class ReplayVerb
{
    public static Command Create()
    {
        Argument<string> directory = new("JOURNAL_DIR") { Description = "Journal directory (e.g. a copy of /var/lib/npa/journal)" };
        Option<string?> until = new("--until") { Description = "Replay only events accepted at or before this time (ISO 8601, e.g. 2026-03-01T12:00:00Z)" };
        Option<string?> node = new("--node") { Description = "Show only the pods of this node" };
        Option<string> output = new("--output", "-o") { Description = "table or json", DefaultValueFactory = _ => "table" };
        output.AcceptOnlyFromAmong("table", "json");

        Command command = new("replay", "Re-run the resolver over a node's event journal and print its decisions");
        command.Arguments.Add(directory);
        command.Options.Add(until);
        command.Options.Add(node);
        command.Options.Add(output);
        command.SetAction(parse =>
        {
            string dir = parse.GetValue(directory)!;
            string? untilText = parse.GetValue(until);
            DateTimeOffset? untilTime = null;
            if (untilText is not null)
            {
                if (!DateTimeOffset.TryParse(untilText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset t))
                {
                    Console.Error.WriteLine($"npa replay: --until '{untilText}' is not a time (use ISO 8601, e.g. 2026-03-01T12:00:00Z)");
                    return 2;
                }

                untilTime = t;
            }

            if (!Directory.Exists(dir))
            {
                Console.Error.WriteLine($"npa replay: journal directory '{dir}' does not exist");
                return 2;
            }

            Replay replay = Run(dir, untilTime, parse.GetValue(node));
            foreach (JournalProblem problem in replay.Read.Problems)
            {
                Console.Error.WriteLine($"npa replay: warning: {problem}");
            }

            Console.Out.Write(parse.GetValue(output) == "json" ? FormatJson(replay) : FormatTable(replay));
            return 0;
        });
        return command;
    }

    /// <summary>The journal's state at <paramref name="until"/> and the resolver's decisions for it.</summary>
    internal sealed record Replay(JournalReadResult Read, IReadOnlyList<PodPolicy> Pods, DateTimeOffset? Until);

    internal static Replay Run(string directory, DateTimeOffset? until, string? nodeName)
    {
        JournalReadResult read = JournalReader.Read(directory, repair: false, until);
        List<PodInfo> pods = read.Objects.Pods.ToList();
        ClusterSnapshot snapshot = new(read.Objects.Namespaces.ToList(), pods, read.Objects.Policies.ToList(), read.Objects.Services.ToList());
        HashSet<ObjectRef> shown = pods.Where(p => nodeName is null || p.NodeName == nodeName).Select(p => p.Ref).ToHashSet();
        IReadOnlyList<PodPolicy> policies = PolicyResolver.ResolvePodPolicies(snapshot)
            .Where(kv => shown.Contains(kv.Key)).OrderBy(kv => kv.Key).Select(kv => kv.Value).ToList();
        return new Replay(read, policies, until);
    }

    internal static string FormatTable(Replay replay)
    {
        StringBuilder sb = new();
        JournalReadResult read = replay.Read;
        sb.Append(CultureInfo.InvariantCulture,
            $"journal: snapshot at sequence {read.Snapshot?.Sequence ?? 0}, {read.Records.Count} records after it, last sequence {read.LastSequence}");
        if (read.LastTime is { } last)
        {
            sb.Append(CultureInfo.InvariantCulture, $", last event {last.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ}");
        }

        sb.Append('\n');
        sb.Append(CultureInfo.InvariantCulture, $"objects: {read.Objects.Count}; pods shown: {replay.Pods.Count}\n\n");
        int width = Math.Max(3, replay.Pods.Select(p => p.Pod.ToString().Length).DefaultIfEmpty(3).Max());
        sb.Append(CultureInfo.InvariantCulture, $"{"POD".PadRight(width)}  {"INGRESS",-22}  EGRESS\n");
        foreach (PodPolicy pod in replay.Pods)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{pod.Pod.ToString().PadRight(width)}  {Summary(pod.Ingress),-22}  {Summary(pod.Egress)}\n");
            foreach ((string direction, DirectionPolicy policy) in new[] { ("ingress", pod.Ingress), ("egress", pod.Egress) })
            {
                foreach (AllowRule rule in policy.Rules)
                {
                    string except = rule.Except.Count == 0 ? "" : $" except {string.Join(",", rule.Except)}";
                    sb.Append(CultureInfo.InvariantCulture, $"    {direction} allow {rule.Cidr}{except} {rule.Ports}  <- {rule.Source}\n");
                }
            }
        }

        return sb.ToString();
    }

    internal static string FormatJson(Replay replay)
    {
        JsonArray pods = [];
        foreach (PodPolicy pod in replay.Pods)
        {
            pods.Add(new JsonObject
            {
                ["pod"] = pod.Pod.ToString(),
                ["ips"] = new JsonArray(pod.PodIps.Select(ip => (JsonNode)JsonValue.Create(ip.ToString())!).ToArray()),
                ["ingress"] = Direction(pod.Ingress),
                ["egress"] = Direction(pod.Egress),
            });
        }

        JsonObject root = new()
        {
            ["snapshotSequence"] = replay.Read.Snapshot?.Sequence ?? 0,
            ["records"] = replay.Read.Records.Count,
            ["lastSequence"] = replay.Read.LastSequence,
            ["lastEvent"] = replay.Read.LastTime?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
            ["until"] = replay.Until?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
            ["problems"] = new JsonArray(replay.Read.Problems.Select(p => (JsonNode)JsonValue.Create(p.ToString())!).ToArray()),
            ["pods"] = pods,
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";

        static JsonObject Direction(DirectionPolicy policy) => new()
        {
            ["isolated"] = policy.Isolated,
            ["policies"] = new JsonArray(policy.IsolatingPolicies.Select(p => (JsonNode)JsonValue.Create(p.ToString())!).ToArray()),
            ["rules"] = new JsonArray(policy.Rules.Select(r => (JsonNode)new JsonObject
            {
                ["cidr"] = r.Cidr.ToString(),
                ["except"] = new JsonArray(r.Except.Select(e => (JsonNode)JsonValue.Create(e.ToString())!).ToArray()),
                ["ports"] = r.Ports.ToString(),
                ["source"] = r.Source.ToString(),
            }).ToArray()),
        };
    }

    private static string Summary(DirectionPolicy policy) =>
        !policy.Isolated ? "open" : policy.Rules.Count == 0 ? "isolated, deny all" : $"isolated, {policy.Rules.Count} rules";
}
