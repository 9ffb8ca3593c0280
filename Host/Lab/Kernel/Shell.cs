using System.Diagnostics;

namespace Npa.Host.Lab.Kernel;

/// <summary>Runs the iproute2 and friends commands that build the lab; a failure names the command and its stderr.</summary>
internal static class Shell
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr)
    {
        public bool Ok => ExitCode == 0;
    }

    public static Result Run(string file, IEnumerable<string> args, TimeSpan? timeout = null, string? stdin = null)
    {
        ProcessStartInfo psi = new(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using Process p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }

        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout ?? TimeSpan.FromSeconds(30)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in time");
        }

        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs and throws when the command fails.</summary>
    public static string Check(string file, params string[] args)
    {
        Result r = Run(file, args);
        if (!r.Ok)
        {
            throw new LabException($"'{file} {string.Join(' ', args)}' failed ({r.ExitCode}): {r.StdErr.Trim()}");
        }

        return r.StdOut;
    }

    /// <summary><c>ip</c> inside a named namespace (<c>ip -n NAME ...</c>).</summary>
    public static string Ip(string? netns, params string[] args) =>
        netns is null ? Check("ip", args) : Check("ip", ["-n", netns, .. args]);

    /// <summary>Runs a command in a namespace without remounting /sys (unlike <c>ip netns exec</c>).</summary>
    public static Result InNetns(string netns, string file, IEnumerable<string> args, TimeSpan? timeout = null, string? stdin = null) =>
        Run("nsenter", [$"--net={NetNamespace.PathOf(netns)}", "--", file, .. args], timeout, stdin);

    public static void Sysctl(string netns, string key, string value)
    {
        // Writing /proc/sys/net from a thread that entered the namespace reaches that namespace's values.
        NetNamespace.Run(netns, () =>
        {
            File.WriteAllText("/proc/sys/" + key.Replace('.', '/'), value);
            return 0;
        });
    }
}
