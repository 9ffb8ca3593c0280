using Npa.Resolver.Model;

namespace Npa.Ingest.Translation;

/// <summary>The outcome of translating one object: the value when accepted, and what was wrong or odd.</summary>
public sealed record TranslationResult<T>(T? Value, IReadOnlyList<Diagnostic> Diagnostics)
    where T : class
{
    public bool Accepted => Value is not null;
}
