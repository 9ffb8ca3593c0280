namespace Npa.Host.Lab;

/// <summary>One read of a manifest folder: its content hash, the events written so far in all, and the reader's diagnostics.</summary>
public sealed record FolderRead(string ContentHash, long EventsWritten, IReadOnlyList<string> Diagnostics);
