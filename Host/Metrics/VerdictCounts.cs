namespace Npa.Host.Metrics;

/// <summary>Cumulative packet verdicts since the enforcer's maps were created.</summary>
public readonly record struct VerdictCounts(ulong IngressAllow, ulong IngressDeny, ulong EgressAllow, ulong EgressDeny);
