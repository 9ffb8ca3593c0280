using System.Text;
using Microsoft.Extensions.Logging;
using Npa.Host.Lab.Output;
using Npa.Resolver.Model;

namespace Npa.Host.Lab;

/// <summary>
/// The Stars demo on a lab: bring up the four pods with no policy, then copy each step's policies into
/// the watched folder, wait until they are programmed, probe for real and show who reaches whom the
/// way the demo's management UI does, with the denied flows. Every step's observed connectivity must
/// equal what the resolver expects.
/// </summary>
public sealed class StarsDemo
{
    private static readonly (string Letter, ObjectRef Pod)[] Nodes =
    [
        ("UI", new ObjectRef("management-ui", "management-ui")),
        ("C", new ObjectRef("client", "client")),
        ("F", new ObjectRef("stars", "frontend")),
        ("B", new ObjectRef("stars", "backend")),
    ];

    private readonly TextWriter _out;
    private readonly string _demoDirectory;
    private readonly string _workDirectory;
    private readonly ILogger _logger;
    private readonly Dictionary<ObjectRef, LabPort> _declared = [];
    private long _flowLogOffset;

    public StarsDemo(TextWriter output, string demoDirectory, string workDirectory, ILogger logger)
    {
        _out = output;
        _demoDirectory = demoDirectory;
        _workDirectory = workDirectory;
        _logger = logger;
    }

    /// <summary>Finds demo/stars from the current directory or the executable's, walking up.</summary>
    public static string? Locate()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (DirectoryInfo? d = new(start); d is not null; d = d.Parent)
            {
                string candidate = Path.Combine(d.FullName, "demo", "stars");
                if (File.Exists(Path.Combine(candidate, "01-pods.yaml")))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <summary>Runs the demo; 0 when every step matched the resolver, 1 otherwise.</summary>
    public async Task<int> RunAsync(Func<LabOptions, LabDaemon> createDaemon, CancellationToken ct)
    {
        string manifests = Path.Combine(_workDirectory, "manifests");
        Directory.CreateDirectory(manifests);
        foreach (string f in Directory.GetFiles(_demoDirectory, "*.yaml").Order(StringComparer.Ordinal))
        {
            File.Copy(f, Path.Combine(manifests, Path.GetFileName(f)), overwrite: true);
        }

        List<string> steps = Directory.Exists(Path.Combine(_demoDirectory, "steps"))
            ? [.. Directory.GetDirectories(Path.Combine(_demoDirectory, "steps")).Order(StringComparer.Ordinal)]
            : [];
        LabOptions options = new(manifests, Path.Combine(_workDirectory, "state"));
        List<string> failures = [];
        await using (LabDaemon lab = createDaemon(options))
        {
            await lab.StartAsync(ct);
            _out.WriteLine($"Lab {lab.LabId}: {lab.Pods.Count} pods in their own network namespaces, routed through {lab.NodeNetns}");
            _out.WriteLine($"  enforcer: {lab.EnforcerDescription}");
            foreach (LabPod p in lab.Pods)
            {
                _out.WriteLine($"  {Letter(p.Pod),-2} {p.Pod,-28} {string.Join(", ", p.Ips),-12} host veth {p.HostVeth}");
            }

            _out.WriteLine();
            await ShowStepAsync(lab, "Step 0: no policies. Every service reaches every other one.", failures, ct);
            foreach (string step in steps)
            {
                List<string> files = [.. Directory.GetFiles(step, "*.yaml").Order(StringComparer.Ordinal)];
                string[] name = Path.GetFileName(step).Split('-', 2);
                StringBuilder title = new($"Step {name[0]}{(name.Length > 1 ? " (" + name[1] + ")" : "")}: apply ");
                title.Append(string.Join(", ", files.Select(Path.GetFileName)));
                foreach (string f in files)
                {
                    foreach (string line in File.ReadLines(f).TakeWhile(l => l.StartsWith('#')))
                    {
                        title.Append("\n  ").Append(line.TrimStart('#', ' '));
                    }

                    File.Copy(f, Path.Combine(manifests, $"{Path.GetFileName(step)}-{Path.GetFileName(f)}"), overwrite: true);
                }

                await ShowStepAsync(lab, title.ToString(), failures, ct);
            }

            _out.WriteLine("Tearing the lab down.");
        }

        if (failures.Count == 0)
        {
            _out.WriteLine("Every step's observed connectivity matched the resolver's expectation.");
            return 0;
        }

        _out.WriteLine("The demo did NOT check out:");
        foreach (string f in failures)
        {
            _out.WriteLine("  " + f);
        }

        return 1;
    }

    private async Task ShowStepAsync(LabDaemon lab, string title, List<string> failures, CancellationToken ct)
    {
        _out.WriteLine(title);
        await lab.WaitProgrammedAsync(TimeSpan.FromSeconds(60), ct);
        Declare(lab.ClusterPods);
        IReadOnlyList<LabPod> pods = lab.Pods;
        IReadOnlyList<LabProbe> probes = LabProbeRunner.DefaultProbes(pods);
        ConnectivityReport observed = await LabProbeRunner.RunAsync(pods, probes, ct);
        _out.WriteLine($"  (generation {lab.Generation}; {pods.Count * (pods.Count - 1) * probes.Count} real connection attempts)");
        WriteGrid(observed, pods);
        await Task.Delay(TimeSpan.FromMilliseconds(500), ct); // the flow-log writer flushes when idle
        WriteDeniedFlows(lab);
        ConnectivityReport expected = lab.Expect(probes);
        string stepName = title.Split('\n')[0];
        IReadOnlyList<string> diffs = ConnectivityReport.Differences(observed, expected);
        if (diffs.Count == 0)
        {
            _out.WriteLine("  check: observed == resolver's expectation");
        }
        else
        {
            _out.WriteLine($"  check: MISMATCH in {diffs.Count} cells:");
            foreach (string d in diffs.Take(12))
            {
                _out.WriteLine("    " + d);
            }

            if (diffs.Count > 12)
            {
                _out.WriteLine($"    ... and {diffs.Count - 12} more");
            }

            failures.Add($"{stepName}: {diffs.Count} cells differ from the resolver's expectation");
        }

        _out.WriteLine();
    }

    /// <summary>The management UI's view: can X open a connection to Y's service port.</summary>
    private void WriteGrid(ConnectivityReport observed, IReadOnlyList<LabPod> pods)
    {
        List<LabPod> order = [.. pods.OrderBy(p => Array.FindIndex(Nodes, n => n.Pod == p.Pod) is var i && i < 0 ? int.MaxValue : i).ThenBy(p => p.Pod)];
        StringBuilder header = new("  from \\ to ");
        foreach (LabPod to in order)
        {
            string port = _declared.TryGetValue(to.Pod, out LabPort p) ? p.ToString() : "?";
            header.Append($"{Letter(to.Pod) + " (" + port + ")",-16}");
        }

        _out.WriteLine(header.ToString().TrimEnd());
        List<string> sentences = [];
        foreach (LabPod from in order)
        {
            StringBuilder row = new($"  {Letter(from.Pod),-10} ");
            List<string> reached = [];
            foreach (LabPod to in order)
            {
                if (from.Pod == to.Pod)
                {
                    row.Append($"{"-",-16}");
                    continue;
                }

                bool? v = CellOnServicePort(observed, from, to);
                row.Append($"{v switch { true => "reaches", false => "blocked", null => "not probed" },-16}");
                if (v == true)
                {
                    reached.Add(Letter(to.Pod));
                }
            }

            _out.WriteLine(row.ToString().TrimEnd());
            sentences.Add($"{Letter(from.Pod)} reaches {(reached.Count == 0 ? "nothing" : string.Join(", ", reached))}");
        }

        _out.WriteLine("  " + string.Join("; ", sentences) + ".");
    }

    private bool? CellOnServicePort(ConnectivityReport observed, LabPod from, LabPod to)
    {
        // Each service's own declared port, as the demo's probes use; the lab serves every port on every pod.
        LabPort? service = _declared.TryGetValue(to.Pod, out LabPort p) ? p : null;
        ConnectivityProbe? probe = service is null ? null : observed.Probes.FirstOrDefault(x => x.Probe == LabProbe.Number(service.Value));
        return probe is not null && probe.Matrix.TryGetValue(from.Pod.ToString(), out IReadOnlyDictionary<string, bool?>? row) &&
               row.TryGetValue(to.Pod.ToString(), out bool? v) ? v : null;
    }

    /// <summary>Remembers each pod's first declared container port (its service port in the demo).</summary>
    private void Declare(IReadOnlyList<PodInfo> pods)
    {
        foreach (PodInfo p in pods)
        {
            if (p.Ports.Count > 0)
            {
                _declared[p.Ref] = new LabPort(p.Ports[0].Protocol, p.Ports[0].Port);
            }
        }
    }

    private void WriteDeniedFlows(LabDaemon lab)
    {
        List<string> lines = [.. ReadNewFlowLogLines(lab.FlowLogDirectory).Where(l => l.Contains("DENY", StringComparison.OrdinalIgnoreCase))];
        if (lines.Count == 0)
        {
            _out.WriteLine("  denied flows: none");
            return;
        }

        // Attempts on a service's own port first: those are the arrows the management UI draws.
        HashSet<string> services = [.. lab.Pods.SelectMany(p => p.Ips.Select(ip =>
            _declared.TryGetValue(p.Pod, out LabPort port) ? $"({ip}:{port.Port})" : ""))];
        List<string> readable = [.. lines.Select(Readable).OrderBy(l => services.Any(s => s.Length > 0 && l.Contains("-> ", StringComparison.Ordinal) &&
            l[l.IndexOf("-> ", StringComparison.Ordinal)..].Contains(s, StringComparison.Ordinal)) ? 0 : 1)];
        _out.WriteLine($"  denied flows in the flow log ({lines.Count}; attempts on service ports first):");
        foreach (string l in readable.Take(6))
        {
            _out.WriteLine("    " + l);
        }
    }

    /// <summary>One flow-log JSON line as a sentence; the line itself when it is not a flow record.</summary>
    public static string Readable(string line)
    {
        try
        {
            using System.Text.Json.JsonDocument doc = System.Text.Json.JsonDocument.Parse(line);
            System.Text.Json.JsonElement r = doc.RootElement;
            string F(string name) => r.TryGetProperty(name, out System.Text.Json.JsonElement v) ? v.ToString() : "";
            string Who(string prefix, string ip, string port) =>
                (F(prefix + " Namespace") is { Length: > 0 } ns ? $"{ns}/{F(prefix + " Pod")} " : "") + $"({F(ip)}:{F(port)})";
            string count = F("Count") is { Length: > 0 } c && c != "1" ? $" x{c}" : "";
            return $"{F("Verdict")} {F("Proto")} {Who("Src", "Src IP", "Src Port")} -> {Who("Dest", "Dest IP", "Dest Port")} {F("Direction")}{count}".Trim();
        }
        catch (System.Text.Json.JsonException)
        {
            return line;
        }
    }

    private IEnumerable<string> ReadNewFlowLogLines(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return [];
        }

        List<string> lines = [];
        long total = 0;
        foreach (string f in Directory.GetFiles(directory).Order(StringComparer.Ordinal))
        {
            try
            {
                string text = File.ReadAllText(f);
                long start = Math.Max(0, _flowLogOffset - total);
                if (start < text.Length)
                {
                    lines.AddRange(text[(int)start..].Split('\n', StringSplitOptions.RemoveEmptyEntries));
                }

                total += text.Length;
            }
            catch (IOException e)
            {
                LabLog.FlowLogUnreadable(_logger, e, f);
            }
        }

        _flowLogOffset = total;
        return lines;
    }

    private static string Letter(ObjectRef pod) => Array.Find(Nodes, n => n.Pod == pod) is { Letter: { } l } ? l : pod.ToString();
}
