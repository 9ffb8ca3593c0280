namespace Npa.Ingest.Journal;

/// <summary>Something wrong found while reading a journal; never fatal, always reported.</summary>
public sealed record JournalProblem(string File, long Offset, FrameProblem Kind, string Action)
{
    public override string ToString() => $"{Path.GetFileName(File)} at byte {Offset}: {Kind}; {Action}";
}
