using Npa.Host.Lab.Kernel;

namespace Npa.Host.Lab;

/// <summary>
/// <c>npa lab down</c>: stops the recorded daemon, removes the lab's namespaces (and with them the veths,
/// routes and attachments), its pins under bpffs and its state dir. Idempotent; works after a crash.
/// </summary>
public static class LabTeardown
{
    public sealed record Result(string? LabId, IReadOnlyList<string> Removed, string Message);

    public static async Task<Result> DownAsync(string stateDirectory, TimeSpan stopTimeout, CancellationToken ct)
    {
        LabStateStore store = new(stateDirectory);
        LabStateRecord? state = store.ReadState();
        if (state is null)
        {
            store.DeleteAll();
            return new Result(null, [], $"no lab recorded in {stateDirectory}; nothing to remove");
        }

        List<string> removed = [];
        if (state.Pid != Environment.ProcessId && Signals.IsAlive(state.Pid) && Signals.IsLabDaemon(state.Pid))
        {
            Signals.Send(state.Pid, Signals.SigTerm);
            DateTime until = DateTime.UtcNow + stopTimeout;
            while (Signals.IsAlive(state.Pid) && DateTime.UtcNow < until)
            {
                await Task.Delay(50, ct);
            }

            if (Signals.IsAlive(state.Pid))
            {
                Signals.Send(state.Pid, Signals.SigKill);
            }

            removed.Add($"daemon pid {state.Pid}");
        }

        removed.AddRange(RemoveKernelState(state.Prefix, state.LabId, state.BpfRoot));
        store.DeleteAll();
        removed.Add($"state dir {stateDirectory}");
        return new Result(state.LabId, removed, $"lab {state.LabId} removed");
    }

    /// <summary>Deletes every namespace named for the lab and its bpffs directory.</summary>
    public static IReadOnlyList<string> RemoveKernelState(string prefix, string labId, string bpfRoot)
    {
        List<string> removed = [.. LabTopology.RemoveAll(prefix, labId).Select(n => "netns " + n)];
        if (Directory.Exists(bpfRoot))
        {
            // Unlinking pins detaches pinned links and frees maps nobody else holds.
            Directory.Delete(bpfRoot, recursive: true);
            removed.Add("pins " + bpfRoot);
        }

        return removed;
    }
}
