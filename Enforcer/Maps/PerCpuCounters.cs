using Npa.Enforcer.Native;

namespace Npa.Enforcer.Maps;

/// <summary>Reads npa_stats_v1: per-CPU u64 counters, summed over every possible CPU.</summary>
internal sealed unsafe class PerCpuCounters(BpfFd fd)
{
    private readonly int _cpus = Math.Max(1, LibBpf.libbpf_num_possible_cpus());

    public ulong Read(EnforcerStat stat)
    {
        uint key = (uint)stat;
        ulong[] values = new ulong[_cpus];
        fixed (ulong* v = values)
        {
            BpfException.Check(LibBpf.bpf_map_lookup_elem(fd.Fd, &key, v), "lookup in map npa_stats_v1");
        }

        ulong sum = 0;
        foreach (ulong value in values)
        {
            sum += value;
        }

        return sum;
    }
}
