using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Npa.Resolver.Model;

namespace Npa.Host.Lab;

/// <summary>
/// One pod as recorded in the state dir. <see cref="NamedPorts"/> ("serve-80-tcp=TCP/80") is null in a state
/// file written before port names were recorded: such a lab probes port numbers only.
/// </summary>
public sealed record LabPodRecord(
    string Pod, string Netns, string HostVeth, IReadOnlyList<string> Ips, IReadOnlyList<string> Ports, IReadOnlyList<string>? NamedPorts = null)
{
    public static LabPodRecord From(LabPod p) =>
        new(p.Pod.ToString(), p.Netns, p.HostVeth, [.. p.Ips.Select(i => i.ToString())], [.. p.Ports.Select(x => x.ToString())],
            [.. p.NamedPorts.Select(n => n.ToString())]);

    public LabPod ToLabPod()
    {
        if (!ObjectRef.TryParse(Pod, out ObjectRef r))
        {
            throw new LabException($"state: '{Pod}' is not namespace/name");
        }

        try
        {
            return new LabPod(r, Netns, HostVeth, [.. Ips.Select(IPAddress.Parse)], [.. Ports.Select(LabProbeSpec.ParsePort)])
            {
                NamedPorts = [.. (NamedPorts ?? []).Select(ParseNamedPort)],
            };
        }
        catch (Exception e) when (e is LabException or FormatException)
        {
            throw new LabException($"state: pod {Pod}: {e.Message}", e);
        }
    }

    private static LabNamedPort ParseNamedPort(string text)
    {
        int eq = text.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            throw new LabException($"named port '{text}' is not NAME=PROTOCOL/PORT");
        }

        return new LabNamedPort(text[..eq], LabProbeSpec.ParsePort(text[(eq + 1)..]));
    }
}

/// <summary>A running lab as <c>lab up</c> records it in its state dir (<c>state.json</c>).</summary>
public sealed record LabStateRecord(
    string LabId,
    string Prefix,
    int Pid,
    string ManifestDirectory,
    string NodeNetns,
    string BpfRoot,
    string FlowLogDirectory,
    string Enforcer,
    IReadOnlyList<LabPodRecord> Pods)
{
    /// <summary>
    /// Fails, naming the way out, when a named probe is asked of a lab whose state file does not record port
    /// names (written by an earlier <c>npa lab up</c>): every destination would otherwise look like it lacks the name.
    /// </summary>
    public void RequirePortNamesFor(IEnumerable<LabProbe> probes)
    {
        ArgumentNullException.ThrowIfNull(probes);
        if (probes.FirstOrDefault(p => p.IsNamed) is { IsNamed: true } named && Pods.Any(p => p.NamedPorts is null))
        {
            throw new LabException(
                $"probe '{named}' names a port, but the running lab {LabId} was started by an npa that does not record " +
                "container port names in its state; restart it ('npa lab down', then 'npa lab up') or probe by number");
        }
    }
}

/// <summary>What the daemon last programmed (<c>programmed.json</c>): the folder's content hash and a generation.</summary>
public sealed record LabProgrammedRecord(long Generation, string ContentHash, DateTimeOffset At, IReadOnlyList<string> Diagnostics);

/// <summary>Reads and writes the state dir. Writes go through a temp file and a rename, so readers never see half a file.</summary>
public sealed class LabStateStore
{
    public const string DefaultDirectory = "/run/npa-lab";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public LabStateStore(string directory) => Directory = directory;

    public string Directory { get; }

    public string StatePath => Path.Combine(Directory, "state.json");

    public string ProgrammedPath => Path.Combine(Directory, "programmed.json");

    public string LogPath => Path.Combine(Directory, "daemon.log");

    public void WriteState(LabStateRecord state) => Write(StatePath, state);

    public void WriteProgrammed(LabProgrammedRecord programmed) => Write(ProgrammedPath, programmed);

    public LabStateRecord? ReadState() => Read<LabStateRecord>(StatePath);

    public LabProgrammedRecord? ReadProgrammed() => Read<LabProgrammedRecord>(ProgrammedPath);

    /// <summary>Removes what a previous run published, keeping the folder (and a log being written to it).</summary>
    public void DeleteRecords()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return;
        }

        File.Delete(StatePath);
        File.Delete(ProgrammedPath);
    }

    /// <summary>Removes the state dir, or everything but the log when a detached daemon writes one.</summary>
    public void Delete()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return;
        }

        if (!File.Exists(LogPath))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
            return;
        }

        foreach (string entry in System.IO.Directory.EnumerateFileSystemEntries(Directory).Where(e => e != LogPath).ToList())
        {
            if (System.IO.Directory.Exists(entry))
            {
                System.IO.Directory.Delete(entry, recursive: true);
            }
            else
            {
                File.Delete(entry);
            }
        }
    }

    /// <summary>Removes the state dir and everything in it, the log included.</summary>
    public void DeleteAll()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    private void Write<T>(string path, T value)
    {
        System.IO.Directory.CreateDirectory(Directory);
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(value, Json));
        File.Move(tmp, path, overwrite: true);
    }

    private static T? Read<T>(string path)
        where T : class
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new LabException($"{path} is not a lab state file: {e.Message}", e);
        }
    }
}
