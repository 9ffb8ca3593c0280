using System.IO.Enumeration;
using System.Text;
using Npa.FlowLogs.Files;

namespace Npa.FlowLogs.Tests.Files;

/// <summary>
/// A model of Fluent Bit's <c>tail</c> input as documented and as measured on Fluent Bit 5.1 (see the
/// project's rotation notes): every <c>Refresh_Interval</c> it scans <c>Path</c> (a glob) and starts
/// following each matching file it does not follow yet: from the offset the <c>DB</c> holds for its inode,
/// else from its head when found after start-up (or with <c>Read_from_Head</c>), else from its end. A followed
/// file is read by its open handle, so through renames, by inode. Once the name it was found under no longer
/// leads to it (rotated), it is still drained for <c>Rotate_Wait</c>, then dropped and its DB entry removed;
/// a later scan that finds it under a matching name takes it as a new file, read from its head.
/// </summary>
internal sealed class FluentBitTailModel : IDisposable
{
    private readonly string _directory;
    private readonly string _glob;
    private readonly TimeSpan _rotateWait;
    private readonly bool _readFromHead;
    private readonly Dictionary<FileIdentity, Followed> _followed = [];
    private bool _started;

    /// <param name="db">The DB (inode → offset); pass the same one to a restarted instance.</param>
    public FluentBitTailModel(string directory, string glob, Dictionary<FileIdentity, long> db, TimeSpan? rotateWait = null, bool readFromHead = false)
    {
        _directory = directory;
        _glob = glob;
        Db = db;
        _rotateWait = rotateWait ?? TimeSpan.FromSeconds(5);
        _readFromHead = readFromHead;
    }

    public Dictionary<FileIdentity, long> Db { get; }

    /// <summary>Every record emitted, in order.</summary>
    public List<string> Emitted { get; } = [];

    /// <summary>One <c>Refresh_Interval</c> scan of <c>Path</c>.</summary>
    public void Scan(DateTime now)
    {
        foreach (string path in Directory.EnumerateFiles(_directory).Where(p => FileSystemName.MatchesSimpleExpression(_glob, Path.GetFileName(p))).Order(StringComparer.Ordinal))
        {
            if (FileIdentity.Of(path) is not { } id || _followed.ContainsKey(id))
            {
                continue;
            }

            FileStream stream = new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            long offset = Db.TryGetValue(id, out long saved) ? saved : (_started || _readFromHead ? 0 : stream.Length);
            _followed[id] = new Followed(path, stream, offset);
            Db[id] = offset;
        }

        _started = true;
        Poll(now);
    }

    /// <summary>What inotify makes it do between scans: read what was appended, notice renames, drop drained rotated files.</summary>
    public void Poll(DateTime now)
    {
        foreach ((FileIdentity id, Followed f) in _followed.ToList())
        {
            f.Stream.Seek(f.Offset, SeekOrigin.Begin);
            using StreamReader reader = new(f.Stream, Encoding.UTF8, false, 4096, leaveOpen: true);
            string rest = reader.ReadToEnd();
            int end = rest.LastIndexOf('\n');
            if (end >= 0)
            {
                foreach (string line in rest[..end].Split('\n'))
                {
                    Emitted.Add(line);
                }

                f.Offset += Encoding.UTF8.GetByteCount(rest[..(end + 1)]);
                Db[id] = f.Offset;
            }

            if (f.RotatedAt is null && FileIdentity.Of(f.Path) != id)
            {
                f.RotatedAt = now;
            }

            if (f.RotatedAt is { } rotated && now - rotated >= _rotateWait)
            {
                f.Stream.Dispose();
                _followed.Remove(id);
                Db.Remove(id);
            }
        }
    }

    public void Dispose()
    {
        foreach (Followed f in _followed.Values)
        {
            f.Stream.Dispose();
        }

        _followed.Clear();
    }

    private sealed class Followed(string path, FileStream stream, long offset)
    {
        public string Path { get; } = path;

        public FileStream Stream { get; } = stream;

        public long Offset { get; set; } = offset;

        public DateTime? RotatedAt { get; set; }
    }
}
