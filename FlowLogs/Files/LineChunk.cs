using System.Buffers;

namespace Npa.FlowLogs.Files;

/// <summary>A pooled buffer of whole lines handed from the producer to the file writer task.</summary>
internal sealed class LineChunk : IBufferWriter<byte>
{
    private byte[] _buffer;

    public LineChunk(int capacity)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(capacity);
    }

    public int Length { get; private set; }

    public int Lines { get; private set; }

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, Length);

    public void Advance(int count) => Length += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(Length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(Length);
    }

    public void CommitLine() => Lines++;

    public void Append(ReadOnlySpan<byte> line)
    {
        line.CopyTo(GetSpan(line.Length));
        Advance(line.Length);
        Lines++;
    }

    public void Reset()
    {
        Length = 0;
        Lines = 0;
    }

    private void Ensure(int sizeHint)
    {
        int need = Length + Math.Max(sizeHint, 1);
        if (need > _buffer.Length)
        {
            byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Max(need, _buffer.Length * 2));
            _buffer.AsSpan(0, Length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }
    }
}
