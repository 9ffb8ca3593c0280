namespace Npa.Enforcer.PinnedState;

/// <summary>Names of the pinned maps and programs (pins carry the same names under the enforcer root).</summary>
public static class MapNames
{
    public const string Pods = "npa_pods_v1";
    public const string IngressLpm4 = "npa_ing_lpm4_v1";
    public const string EgressLpm4 = "npa_egr_lpm4_v1";
    public const string IngressLpm6 = "npa_ing_lpm6_v1";
    public const string EgressLpm6 = "npa_egr_lpm6_v1";
    public const string IngressPorts = "npa_ing_ports_v1";
    public const string EgressPorts = "npa_egr_ports_v1";
    public const string Conntrack = "npa_ct_v1";
    public const string Fragments = "npa_frag_v1";
    public const string Events = "npa_events_v1";
    public const string Stats = "npa_stats_v1";
    public const string PodKeys = "npa_pod_keys_v1";
    public const string RuleNames = "npa_rule_names_v1";

    public const string IngressProgram = "npa_pod_ingress";
    public const string EgressProgram = "npa_pod_egress";

    /// <summary>Pin names of the programs carry the program version.</summary>
    public const string IngressProgramPin = "npa_pod_ingress_v1";
    public const string EgressProgramPin = "npa_pod_egress_v1";

    public const string ObjectFile = "npa_pod.bpf.o";

    public static IReadOnlyList<string> All { get; } =
    [
        Pods, IngressLpm4, EgressLpm4, IngressLpm6, EgressLpm6, IngressPorts, EgressPorts,
        Conntrack, Fragments, Events, Stats, PodKeys, RuleNames,
    ];
}
