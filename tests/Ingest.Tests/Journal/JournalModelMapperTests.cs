using MessagePack;
using Npa.Ingest.Journal;
using Npa.Resolver.Events;
using Npa.Resolver.Model;

namespace Npa.Ingest.Tests.Journal;

public class JournalModelMapperTests
{
    private static T ThroughTheWire<T>(T dto) =>
        MessagePackSerializer.Deserialize<T>(MessagePackSerializer.Serialize(dto));

    [Fact]
    public void Pod_SurvivesDtoAndWireRoundTrip()
    {
        PodInfo pod = JournalSamples.Pod("shop", "web-1", "fd00::5") with { HostNetwork = true };

        Assert.Equal(pod, JournalModelMapper.ToModel(ThroughTheWire(JournalModelMapper.ToDto(pod))));
    }

    [Fact]
    public void Policy_WithSelectorsNamedPortsRangesAndIpBlockExcept_SurvivesRoundTrip()
    {
        NetworkPolicySpec policy = JournalSamples.Policy("shop", "web");

        Assert.Equal(policy, JournalModelMapper.ToModel(ThroughTheWire(JournalModelMapper.ToDto(policy))));
    }

    [Fact]
    public void Service_WithAndWithoutSelector_SurvivesRoundTrip()
    {
        ServiceInfo service = JournalSamples.Service("shop", "web");
        ServiceInfo manual = service with { Selector = null };

        Assert.Equal(service, JournalModelMapper.ToModel(ThroughTheWire(JournalModelMapper.ToDto(service))));
        Assert.Equal(manual, JournalModelMapper.ToModel(ThroughTheWire(JournalModelMapper.ToDto(manual))));
    }

    [Fact]
    public void PolicyEndpoint_SurvivesRoundTrip()
    {
        PolicyEndpointSpec pe = JournalSamples.PolicyEndpoint("shop", "web-abcde");

        Assert.Equal(pe, JournalModelMapper.ToModel(ThroughTheWire(JournalModelMapper.ToDto(pe))));
    }

    [Fact]
    public void Namespace_KeepsNameAndLabels()
    {
        NamespaceInfo ns = JournalSamples.Namespace("shop", "payments");

        NamespaceInfo back = JournalModelMapper.ToModel(ThroughTheWire(JournalModelMapper.ToDto(ns)));

        Assert.Equal(ns.Name, back.Name);
        Assert.Equal(ns.Labels.OrderBy(kv => kv.Key), back.Labels.OrderBy(kv => kv.Key));
    }

    [Fact]
    public void DeleteEvent_CarriesOnlyIdentity()
    {
        JournalEvent e = JournalModelMapper.Delete(ResourceKind.Pod, "shop", "web-1");

        Assert.Equal(new JournalObjectKey(ResourceKind.Pod, "shop", "web-1"), e.Key);
        Assert.Null(e.Pod);
    }
}
