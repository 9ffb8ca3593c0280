using System.Runtime.InteropServices;

namespace Npa.Enforcer.Native;

/// <summary>A failed libbpf or bpf(2) call: names the operation, the object and the errno.</summary>
public sealed class BpfException : Exception
{
    public BpfException(string operation, int errno)
        : base($"{operation} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})")
    {
        Errno = errno;
    }

    public BpfException(string message)
        : base(message)
    {
    }

    public BpfException()
    {
    }

    public BpfException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public int Errno { get; }

    /// <summary>Throws for a libbpf result below zero (a negative errno).</summary>
    internal static int Check(int result, string operation) =>
        result < 0 ? throw new BpfException(operation, -result) : result;
}
