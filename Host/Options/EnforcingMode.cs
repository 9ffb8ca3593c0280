namespace Npa.Host.Options;

/// <summary>
/// <c>NETWORK_POLICY_ENFORCING_MODE</c>: what a new pod gets before its policies are programmed.
/// <see cref="Standard"/> lets traffic pass; <see cref="Strict"/> denies it until then.
/// </summary>
public enum EnforcingMode
{
    Unknown = 0,
    Standard = 1,
    Strict = 2,
}
