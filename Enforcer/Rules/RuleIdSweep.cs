namespace Npa.Enforcer.Rules;

/// <summary>
/// What one mark-and-sweep of the rule id registry did.
/// </summary>
/// <param name="Removed">Ids removed: unreferenced at the previous sweep and still unreferenced now.</param>
/// <param name="Unreferenced">Ids found unreferenced for the first time; removed at the next sweep unless used again.</param>
/// <param name="Live">Ids held after the sweep (referenced ones plus the ones just marked).</param>
/// <param name="Capacity">Ids the registry can hold (the map's max_entries less the reserved high-water entry).</param>
/// <param name="NextId">The next id to be handed out; ids below it are never handed out again.</param>
/// <param name="OnDemand">True when the sweep ran because the registry neared its capacity.</param>
public sealed record RuleIdSweep(int Removed, int Unreferenced, int Live, int Capacity, uint NextId, bool OnDemand);
