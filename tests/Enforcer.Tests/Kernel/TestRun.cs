using Npa.Enforcer.Native;
using Npa.Resolver.Model;

namespace Npa.Enforcer.Tests.Kernel;

/// <summary>Runs a pod program once on a crafted frame with BPF_PROG_TEST_RUN (the skb's ifindex is 1).</summary>
internal static unsafe class TestRun
{
    public const uint TestIfIndex = 1;
    public const int TcActOk = 0;
    public const int TcActShot = 2;

    public static int Run(NodeEnforcer enforcer, Direction direction, byte[] frame)
    {
        byte[] output = new byte[frame.Length + 256];
        fixed (byte* data = frame)
        fixed (byte* outp = output)
        {
            BpfTestRunOpts opts = new()
            {
                Sz = (nuint)sizeof(BpfTestRunOpts),
                DataIn = data,
                DataSizeIn = (uint)frame.Length,
                DataOut = outp,
                DataSizeOut = (uint)output.Length,
                Repeat = 1,
            };
            BpfException.Check(LibBpf.bpf_prog_test_run_opts(enforcer.Program(direction).Fd, &opts), "test run");
            return (int)opts.Retval;
        }
    }

    public static bool Passes(NodeEnforcer enforcer, Direction direction, byte[] frame) =>
        Run(enforcer, direction, frame) switch
        {
            TcActOk => true,
            TcActShot => false,
            int other => throw new InvalidOperationException($"program returned {other}, neither TC_ACT_OK nor TC_ACT_SHOT"),
        };
}
