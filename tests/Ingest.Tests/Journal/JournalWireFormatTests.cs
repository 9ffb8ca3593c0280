using MessagePack;
using Npa.Ingest.Journal;
using Npa.Resolver.Events;

namespace Npa.Ingest.Tests.Journal;

/// <summary>Journal files outlive the code that wrote them: the kind byte keeps its meaning.</summary>
public class JournalWireFormatTests
{
    // The kind byte values written since the journal's first version (they were JournalObjectKind then).
    public static TheoryData<byte, ResourceKind> KindBytes => new()
    {
        { 1, ResourceKind.Namespace },
        { 2, ResourceKind.Pod },
        { 3, ResourceKind.NetworkPolicy },
        { 4, ResourceKind.Service },
        { 5, ResourceKind.PolicyEndpoint },
    };

    [Theory]
    [MemberData(nameof(KindBytes))]
    public void DeleteRecordWrittenByHand_ReadsWithItsKind(byte kind, ResourceKind expected)
    {
        // [Operation = Delete (2), Kind, Namespace "shop", Name "web"]: a MessagePack array, keys by position.
        byte[] bytes = [0x94, 0x02, kind, 0xa4, (byte)'s', (byte)'h', (byte)'o', (byte)'p', 0xa3, (byte)'w', (byte)'e', (byte)'b'];

        JournalEvent e = MessagePackSerializer.Deserialize<JournalEvent>(bytes, JournalSerializer.Options);

        Assert.Equal(JournalOperation.Delete, e.Operation);
        Assert.Equal(expected, e.Kind);
        Assert.Equal(("shop", "web"), (e.Namespace, e.Name));
    }

    [Theory]
    [MemberData(nameof(KindBytes))]
    public void EveryKind_IsWrittenAsItsByte(byte kind, ResourceKind value)
    {
        byte[] bytes = MessagePackSerializer.Serialize(JournalModelMapper.Delete(value, "shop", "web"), JournalSerializer.Options);

        Assert.Equal(kind, bytes[2]);
    }
}
