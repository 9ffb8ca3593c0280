using System.Diagnostics;
using System.Runtime.InteropServices;
using Npa.Enforcer.Native;

namespace Npa.FlowLogs.Tests.Kernel;

/// <summary>
/// A real kernel ring buffer with a producer: the test BPF program flow_event_gen.bpf.c, built with
/// clang, loaded through libbpf and run with BPF_PROG_TEST_RUN. The ring and its drop counter are
/// pinned under <see cref="PinDirectory"/> so a reader opens them the way the agent opens the
/// enforcer's. Shared by the kernel tests and the flow-log throughput benchmark; it loads through the
/// enforcer's libbpf bindings.
/// </summary>
public sealed unsafe class FlowEventGenerator : IDisposable
{
    private readonly string _objectPath = Path.Combine(Path.GetTempPath(), $"npa-flowlogs-gen-{Guid.NewGuid():N}.o");
    private readonly nint _object;
    private readonly int _emitFd;
    private readonly int _spreadFd;
    private readonly int _templateFd;
    private readonly int _countersFd;

    /// <param name="pinDirectory">A directory under bpffs that this generator creates and removes.</param>
    /// <param name="ringBytes">Ring size: a power of two and a multiple of the page size.</param>
    public FlowEventGenerator(string pinDirectory, uint ringBytes = 4096)
    {
        PinDirectory = pinDirectory;
        string root = FindRepositoryRoot();
        Compile(Path.Combine(root, "tests/FlowLogs.Tests/Kernel/flow_event_gen.bpf.c"), Path.Combine(root, "bpf/include"), _objectPath);
        _object = LibBpf.bpf_object__open_file(_objectPath, 0);
        if (_object == 0)
        {
            throw new InvalidOperationException($"bpf_object__open_file({_objectPath}) failed: errno {Marshal.GetLastPInvokeError()}");
        }

        try
        {
            nint ring = Map("npa_fl_test_events");
            Check(LibBpf.bpf_map__set_max_entries(ring, ringBytes), $"bpf_map__set_max_entries({ringBytes})");
            Check(LibBpf.bpf_object__load(_object), "bpf_object__load");
            _emitFd = LibBpf.bpf_program__fd(LibBpf.bpf_object__find_program_by_name(_object, "npa_fl_test_emit"));
            _spreadFd = LibBpf.bpf_program__fd(LibBpf.bpf_object__find_program_by_name(_object, "npa_fl_test_spread"));
            _templateFd = LibBpf.bpf_map__fd(Map("npa_fl_test_template"));
            _countersFd = LibBpf.bpf_map__fd(Map("npa_fl_test_drops"));
            Directory.CreateDirectory(PinDirectory);
            Check(LibBpf.bpf_obj_pin(LibBpf.bpf_map__fd(ring), EventsPin), $"pin {EventsPin}");
            Check(LibBpf.bpf_obj_pin(_countersFd, DropsPin), $"pin {DropsPin}");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string PinDirectory { get; }

    public string EventsPin => Path.Combine(PinDirectory, "events");

    /// <summary>Per-CPU counters: key 0 counts events the ring had no room for.</summary>
    public string DropsPin => Path.Combine(PinDirectory, "drops");

    public const uint DropCounterKey = 0;

    /// <summary>Writes <paramref name="times"/> copies of a 64-byte verdict event.</summary>
    public void Emit(byte[] template, int times) => Run(_emitFd, template, times);

    /// <summary>Writes <paramref name="times"/> events from the template, each a distinct flow (see the BPF source).</summary>
    public void EmitSpread(byte[] template, int times) => Run(_spreadFd, template, times);

    /// <summary>Events the generator could not write because the ring was full, summed over CPUs.</summary>
    public long Drops()
    {
        int cpus = LibBpf.libbpf_num_possible_cpus();
        ulong* values = stackalloc ulong[cpus];
        uint key = DropCounterKey;
        Check(LibBpf.bpf_map_lookup_elem(_countersFd, &key, values), "read the drop counter");
        long sum = 0;
        for (int i = 0; i < cpus; i++)
        {
            sum += (long)values[i];
        }

        return sum;
    }

    public void Dispose()
    {
        foreach (string pin in new[] { EventsPin, DropsPin })
        {
            if (File.Exists(pin))
            {
                File.Delete(pin);
            }
        }

        if (Directory.Exists(PinDirectory))
        {
            Directory.Delete(PinDirectory);
        }

        if (_object != 0)
        {
            LibBpf.bpf_object__close(_object);
        }

        File.Delete(_objectPath);
    }

    private void Run(int programFd, byte[] template, int times)
    {
        uint key = 0;
        fixed (byte* value = template)
        {
            Check(LibBpf.bpf_map_update_elem(_templateFd, &key, value, 0), "write the event template");
        }

        byte[] packet = new byte[64];
        fixed (byte* data = packet)
        {
            BpfTestRunOpts opts = new()
            {
                Sz = (nuint)sizeof(BpfTestRunOpts),
                DataIn = data,
                DataSizeIn = (uint)packet.Length,
                Repeat = times,
            };
            Check(LibBpf.bpf_prog_test_run_opts(programFd, &opts), "bpf_prog_test_run_opts");
        }
    }

    private nint Map(string name)
    {
        nint map = LibBpf.bpf_object__find_map_by_name(_object, name);
        return map != 0 ? map : throw new InvalidOperationException($"map {name} not found in {_objectPath}");
    }

    private static void Check(int rc, string what)
    {
        if (rc != 0)
        {
            throw new InvalidOperationException($"{what} failed: {rc} (errno {Marshal.GetLastPInvokeError()})");
        }
    }

    private static void Compile(string source, string include, string output)
    {
        string arch = RuntimeInformation.OSArchitecture switch { Architecture.Arm64 => "aarch64", _ => "x86_64" };
        using Process clang = Process.Start(new ProcessStartInfo("clang",
            ["-O2", "-g", "-target", "bpf", $"-I/usr/include/{arch}-linux-gnu", $"-I{include}", "-c", source, "-o", output])
        { RedirectStandardError = true })!;
        string errors = clang.StandardError.ReadToEnd();
        if (!clang.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            clang.Kill();
            throw new TimeoutException($"clang did not finish building {source}");
        }

        if (clang.ExitCode != 0)
        {
            throw new InvalidOperationException($"clang failed on {source}: {errors}");
        }
    }

    private static string FindRepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "bpf/include/npa_event.h")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("cannot find the repository root (bpf/include/npa_event.h) above " + AppContext.BaseDirectory);
    }
}
