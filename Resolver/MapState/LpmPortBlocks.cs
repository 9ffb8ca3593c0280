namespace Npa.Resolver.MapState;

/// <summary>Splits a port range into the fewest aligned power-of-two blocks (at most 30 for 16-bit ports).</summary>
public static class LpmPortBlocks
{
    public static IEnumerable<(ushort Port, byte Bits)> Cover(int first, int last)
    {
        if (first < 0 || last > 65535 || first > last)
        {
            throw new ArgumentOutOfRangeException(nameof(first), $"port range {first}-{last} is not within 0-65535");
        }

        long start = first;
        while (start <= last)
        {
            int size = 16;
            // Largest block aligned at start that stays within the range.
            while (size > 0)
            {
                long blockLen = 1L << size;
                if (start % blockLen == 0 && start + blockLen - 1 <= last)
                {
                    break;
                }

                size--;
            }

            yield return ((ushort)start, (byte)(16 - size));
            start += 1L << size;
        }
    }
}
