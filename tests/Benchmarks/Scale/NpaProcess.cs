using System.Diagnostics;
using System.Globalization;

namespace Npa.Benchmarks.Scale;

/// <summary>
/// The shipped <c>npa</c> executable run as a child process (through the repository's <c>./npa</c>, which
/// execs dotnet, so the process id is the daemon's), its output in a log file, and what the kernel accounts
/// for it: CPU time from <c>/proc/PID/stat</c> and peak resident memory (VmHWM) from <c>/proc/PID/status</c>.
/// </summary>
internal sealed class NpaProcess : IDisposable
{
    private static readonly List<Process> Running = [];
    private readonly Process _process;

    static NpaProcess()
    {
        // A benchmark stopped by a signal must not leave daemons behind.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            lock (Running)
            {
                foreach (Process process in Running.Where(p => !p.HasExited))
                {
                    process.Kill();
                }
            }
        };
    }

    private NpaProcess(Process process, string logFile, Stopwatch started)
    {
        _process = process;
        LogFile = logFile;
        Started = started;
    }

    public string LogFile { get; }

    /// <summary>Runs from the moment the process was started.</summary>
    public Stopwatch Started { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public static NpaProcess Start(string repositoryRoot, string logFile, IEnumerable<string> args)
    {
        string command = "exec " + Quote(Path.Combine(repositoryRoot, "npa")) + " " + string.Join(' ', args.Select(Quote)) +
            " >" + Quote(logFile) + " 2>&1";
        ProcessStartInfo start = new("bash", ["-c", command]) { UseShellExecute = false };
        Stopwatch clock = Stopwatch.StartNew();
        Process process = Process.Start(start) ?? throw new InvalidOperationException("npa did not start");
        lock (Running)
        {
            Running.Add(process);
        }

        return new NpaProcess(process, logFile, clock);
    }

    /// <summary>User plus system CPU time so far (fields 14 and 15 of /proc/PID/stat, in clock ticks of 1/100 s).</summary>
    public TimeSpan CpuTime()
    {
        string stat = File.ReadAllText($"/proc/{Id}/stat");
        // The command name (field 2) may hold spaces; the fields after it start past the last ')'.
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromMilliseconds(ticks * 10.0);
    }

    /// <summary>Peak resident set size in bytes (VmHWM).</summary>
    public long PeakResidentBytes()
    {
        foreach (string line in File.ReadLines($"/proc/{Id}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    public string LogTail(int lines = 15) =>
        File.Exists(LogFile) ? string.Join('\n', File.ReadLines(LogFile).TakeLast(lines)) : "";

    /// <summary>Stops the process the way a kubelet would (SIGTERM), and kills it when it has not exited in time.</summary>
    public void Stop(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }

        Process.Start("kill", ["-TERM", Id.ToString(CultureInfo.InvariantCulture)])?.WaitForExit();
        if (!_process.WaitForExit(grace))
        {
            _process.Kill();
            _process.WaitForExit();
        }
    }

    public void Dispose()
    {
        Stop(TimeSpan.FromSeconds(5));
        lock (Running)
        {
            Running.Remove(_process);
        }

        _process.Dispose();
    }

    private static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
