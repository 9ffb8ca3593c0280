namespace Npa.Resolver.Model;

/// <summary>How bad a diagnostic is: an error means the object was rejected.</summary>
public enum DiagnosticSeverity
{
    Unknown = 0,
    Warning = 1,
    Error = 2,
}

/// <summary>
/// A problem with one input object, naming kind, namespace/name, field and reason, e.g.
/// <c>NetworkPolicy default/web: spec.ingress[0].ports[1].endPort: 70 is less than port 80</c>.
/// </summary>
public sealed record Diagnostic(DiagnosticSeverity Severity, string Kind, string? Namespace, string Name, string Field, string Message)
{
    public static Diagnostic Error(string kind, string? ns, string name, string field, string message) =>
        new(DiagnosticSeverity.Error, kind, ns, name, field, message);

    public static Diagnostic Warning(string kind, string? ns, string name, string field, string message) =>
        new(DiagnosticSeverity.Warning, kind, ns, name, field, message);

    public override string ToString()
    {
        string id = string.IsNullOrEmpty(Namespace) ? Name : $"{Namespace}/{Name}";
        string field = string.IsNullOrEmpty(Field) ? "" : $" {Field}:";
        return $"{Severity.ToString().ToLowerInvariant()}: {Kind} {id}:{field} {Message}";
    }
}
