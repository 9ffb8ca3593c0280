using System.Buffers.Binary;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Npa.Ingest.Journal;

/// <summary>
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of every journal frame.
/// Uses the CPU's CRC32 instruction where there is one and a lookup table elsewhere; both give the
/// same value (<c>"123456789"</c> → <c>0xE3069283</c>).
/// </summary>
public static class Crc32C
{
    private const uint Polynomial = 0x82F63B78u;

    private static readonly uint[] Table = BuildTable();

    public static uint Compute(ReadOnlySpan<byte> data) => ~Append(0xFFFFFFFFu, data);

    /// <summary>The checksum of <paramref name="first"/> followed by <paramref name="second"/>, without joining them.</summary>
    public static uint Compute(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second) => ~Append(Append(0xFFFFFFFFu, first), second);

    /// <summary>The table-driven form, kept callable so tests can compare it with the hardware path.</summary>
    internal static uint ComputeSoftware(ReadOnlySpan<byte> data) => ~AppendSoftware(0xFFFFFFFFu, data);

    private static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        if (Sse42.X64.IsSupported)
        {
            ulong c = crc;
            while (data.Length >= 8)
            {
                c = Sse42.X64.Crc32(c, BinaryPrimitives.ReadUInt64LittleEndian(data));
                data = data[8..];
            }

            crc = (uint)c;
            foreach (byte b in data)
            {
                crc = Sse42.Crc32(crc, b);
            }

            return crc;
        }

        if (Crc32.Arm64.IsSupported)
        {
            while (data.Length >= 8)
            {
                crc = Crc32.Arm64.ComputeCrc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
                data = data[8..];
            }

            foreach (byte b in data)
            {
                crc = Crc32.ComputeCrc32C(crc, b);
            }

            return crc;
        }

        return AppendSoftware(crc, data);
    }

    private static uint AppendSoftware(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (byte b in data)
        {
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc;
    }

    private static uint[] BuildTable()
    {
        uint[] table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? Polynomial ^ (c >> 1) : c >> 1;
            }

            table[i] = c;
        }

        return table;
    }
}
