using System.Globalization;
using Npa.Tests.Shared.Scale;

namespace Npa.Benchmarks.Scale;

/// <summary>The scale benchmark's arguments; anything after <c>--</c> goes to the controller as flags.</summary>
internal sealed record ScaleArgs(ScaleSize Size)
{
    public int PodAdds { get; init; } = 20;

    public TimeSpan PodAddInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    public int Burst { get; init; } = 60;

    public TimeSpan ConvergeTimeout { get; init; } = TimeSpan.FromSeconds(600);

    public TimeSpan RestartWait { get; init; } = TimeSpan.FromSeconds(15);

    public string Node { get; init; } = "node-7";

    public string? Kubeconfig { get; init; }

    public bool SkipAgent { get; init; }

    /// <summary>
    /// No controller: the benchmark publishes the PolicyEndpoints the project's builder makes for the
    /// scenario and measures the agents alone (quick to repeat while working on agent memory).
    /// </summary>
    public bool AgentsOnly { get; init; }

    /// <summary>dotnet-gcdump, to take a heap dump of each agent once it has settled and print what holds its memory.</summary>
    public string? GcDumpTool { get; init; }

    public IReadOnlyList<string> ControllerArgs { get; init; } = [];

    public static ScaleArgs Parse(string[] args)
    {
        int namespaces = 100, podsPerNamespace = 50, nodes = 50;
        ScaleArgs parsed = new(new ScaleSize());
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Number() => int.Parse(Value(), CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--namespaces": namespaces = Number(); break;
                case "--pods-per-namespace": podsPerNamespace = Number(); break;
                case "--nodes": nodes = Number(); break;
                case "--pod-adds": parsed = parsed with { PodAdds = Number() }; break;
                case "--pod-add-interval-ms": parsed = parsed with { PodAddInterval = TimeSpan.FromMilliseconds(Number()) }; break;
                case "--burst": parsed = parsed with { Burst = Math.Max(1, Number()) }; break;
                case "--converge-timeout": parsed = parsed with { ConvergeTimeout = TimeSpan.FromSeconds(Number()) }; break;
                case "--restart-wait": parsed = parsed with { RestartWait = TimeSpan.FromSeconds(Number()) }; break;
                case "--node": parsed = parsed with { Node = Value() }; break;
                case "--kubeconfig": parsed = parsed with { Kubeconfig = Value() }; break;
                case "--skip-agent": parsed = parsed with { SkipAgent = true }; break;
                case "--agents-only": parsed = parsed with { AgentsOnly = true }; break;
                case "--gcdump": parsed = parsed with { GcDumpTool = Value() }; break;
                case "--": parsed = parsed with { ControllerArgs = args[(i + 1)..] }; i = args.Length; break;
                default: throw new ArgumentException($"unknown argument {args[i]}");
            }
        }

        return parsed with { Size = new ScaleSize(namespaces, podsPerNamespace, nodes) };
    }
}
