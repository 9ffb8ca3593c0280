using MessagePack;
using MessagePack.Resolvers;

namespace Npa.Ingest.Journal;

/// <summary>The one MessagePack configuration of the journal: attribute-keyed DTOs only, untrusted input.</summary>
internal static class JournalSerializer
{
    public static MessagePackSerializerOptions Options { get; } = MessagePackSerializerOptions.Standard
        .WithResolver(StandardResolver.Instance)
        .WithSecurity(MessagePackSecurity.UntrustedData);
}
