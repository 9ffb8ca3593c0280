namespace Npa.Host.Lab.Traffic;

/// <summary>What one real connection attempt showed. Unsupported is never counted as allowed or denied.</summary>
public enum ProbeVerdict
{
    Unknown = 0,
    Allowed = 1,
    Denied = 2,
    Unsupported = 3,
}

public readonly record struct ProbeOutcome(ProbeVerdict Verdict, string Detail)
{
    public static ProbeOutcome Allowed(string detail) => new(ProbeVerdict.Allowed, detail);

    public static ProbeOutcome Denied(string detail) => new(ProbeVerdict.Denied, detail);

    public static ProbeOutcome Unsupported(string detail) => new(ProbeVerdict.Unsupported, detail);

    /// <summary>true, false, or null when the probe could not run.</summary>
    public bool? AsBool => Verdict switch
    {
        ProbeVerdict.Allowed => true,
        ProbeVerdict.Denied => false,
        _ => null,
    };
}
