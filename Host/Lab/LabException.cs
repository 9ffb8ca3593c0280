namespace Npa.Host.Lab;

/// <summary>A lab operation failed for a reason the operator can act on; the message says which.</summary>
public sealed class LabException : Exception
{
    public LabException(string message)
        : base(message)
    {
    }

    public LabException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
