using System.Text;
using Npa.Ingest.Journal;

namespace Npa.Ingest.Tests.Journal;

public class Crc32CTests
{
    [Theory]
    [InlineData("", 0x00000000u)]
    [InlineData("a", 0xC1D04330u)]
    [InlineData("123456789", 0xE3069283u)]
    [InlineData("The quick brown fox jumps over the lazy dog", 0x22620404u)]
    public void KnownVectors_MatchTheCastagnoliCheckValue(string text, uint expected)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(text);

        Assert.Equal(expected, Crc32C.Compute(bytes));
        Assert.Equal(expected, Crc32C.ComputeSoftware(bytes));
    }

    [Fact]
    public void HardwareAndTablePaths_AgreeOnEveryLength()
    {
        Random random = new(7);
        for (int length = 0; length < 300; length++)
        {
            byte[] data = new byte[length];
            random.NextBytes(data);

            Assert.Equal(Crc32C.ComputeSoftware(data), Crc32C.Compute(data));
        }
    }

    [Fact]
    public void TwoPartForm_EqualsTheChecksumOfTheJoinedBytes()
    {
        byte[] data = Encoding.ASCII.GetBytes("length-then-payload");

        Assert.Equal(Crc32C.Compute(data), Crc32C.Compute(data.AsSpan(0, 6), data.AsSpan(6)));
    }
}
