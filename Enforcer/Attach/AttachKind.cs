namespace Npa.Enforcer.Attach;

/// <summary>How the pod programs hang on a veth: tcx links (pinned) or the tc clsact fallback.</summary>
public enum AttachKind
{
    Unknown = 0,
    Tcx = 1,
    TcClsact = 2,
}
