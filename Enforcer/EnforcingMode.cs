namespace Npa.Enforcer;

/// <summary>
/// What a new pod gets until its policies are programmed: <see cref="Standard"/> lets traffic pass,
/// <see cref="Strict"/> denies it. Values match NETWORK_POLICY_ENFORCING_MODE.
/// </summary>
public enum EnforcingMode
{
    Unknown = 0,
    Standard = 1,
    Strict = 2,
}
