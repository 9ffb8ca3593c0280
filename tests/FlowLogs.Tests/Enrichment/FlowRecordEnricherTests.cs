using Npa.FlowLogs.Enrichment;
using Npa.FlowLogs.Records;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;

namespace Npa.FlowLogs.Tests.Enrichment;

public class FlowRecordEnricherTests
{
    private static readonly PodIdentity Client = new("shop", "client");
    private static readonly PodIdentity Web = new("shop", "web");
    private static readonly RuleRef AllowClients = new("shop", "allow-clients", Direction.Ingress, 0, "podSelector app=client");

    private static FlowRecord Flow(FlowVerdict verdict, Direction direction, uint ruleId = 0) => new()
    {
        Source = FlowAddress.Parse("10.0.0.1"),
        Destination = FlowAddress.Parse("10.0.0.2"),
        SourcePort = 40000,
        DestinationPort = 80,
        Protocol = 6,
        Verdict = verdict,
        Direction = direction,
        RuleId = ruleId,
        Count = 1,
    };

    private static FlowLookupTable Table(params (PodIdentity Pod, Direction Direction, string[] Policies)[] isolation)
    {
        FlowLookupTable table = new();
        table.Publish(
            [new(FlowAddress.Parse("10.0.0.1"), Client), new(FlowAddress.Parse("10.0.0.2"), Web)],
            [new(7u, AllowClients)],
            isolation.Select(i => new KeyValuePair<(PodIdentity, Direction), IReadOnlyList<string>>((i.Pod, i.Direction), i.Policies)));
        return table;
    }

    private static FlowRecord Enriched(FlowRecordEnricher enricher, FlowRecord record)
    {
        enricher.Enrich(ref record);
        return record;
    }

    [Fact]
    public void WithNoLookups_TheRecordKeepsItsAddressesAndGainsNothing()
    {
        FlowRecord before = Flow(FlowVerdict.Deny, Direction.Ingress, ruleId: 7);

        FlowRecord after = Enriched(new FlowRecordEnricher(), before);

        Assert.Equal(before, after);
    }

    [Fact]
    public void KnownAddresses_AreNamedAsPods_OnBothEnds()
    {
        FlowLookupTable table = Table();

        FlowRecord r = Enriched(new FlowRecordEnricher(pods: table), Flow(FlowVerdict.Allow, Direction.Ingress));

        Assert.Equal(("shop", "client"), (r.SourceNamespace, r.SourcePod));
        Assert.Equal(("shop", "web"), (r.DestinationNamespace, r.DestinationPod));
    }

    [Fact]
    public void AnAddressNoPodHas_StaysUnnamed()
    {
        FlowLookupTable table = Table();
        FlowRecord outside = Flow(FlowVerdict.Allow, Direction.Egress) with { Destination = FlowAddress.Parse("192.0.2.9") };

        FlowRecord r = Enriched(new FlowRecordEnricher(pods: table), outside);

        Assert.Equal("client", r.SourcePod);
        Assert.Null(r.DestinationPod);
        Assert.Null(r.DestinationNamespace);
    }

    [Fact]
    public void AnAllowedFlow_NamesTheRuleItsRuleIdStandsFor()
    {
        FlowLookupTable table = Table();

        FlowRecord r = Enriched(new FlowRecordEnricher(table, table, table), Flow(FlowVerdict.Allow, Direction.Ingress, ruleId: 7));

        Assert.Equal(AllowClients, r.Rule);
        Assert.Null(r.IsolatingPolicies);
    }

    [Fact]
    public void AnUnknownRuleId_LeavesTheRuleEmpty()
    {
        FlowLookupTable table = Table();

        FlowRecord r = Enriched(new FlowRecordEnricher(table, table, table), Flow(FlowVerdict.Allow, Direction.Ingress, ruleId: 99));

        Assert.Null(r.Rule);
    }

    [Fact]
    public void ADeniedIngressFlow_NamesThePoliciesIsolatingTheDestination()
    {
        FlowLookupTable table = Table((Web, Direction.Ingress, ["shop/default-deny"]), (Client, Direction.Ingress, ["shop/not-this-one"]));

        FlowRecord r = Enriched(new FlowRecordEnricher(table, table, table), Flow(FlowVerdict.Deny, Direction.Ingress));

        Assert.Equal(["shop/default-deny"], r.IsolatingPolicies!);
    }

    [Fact]
    public void ADeniedEgressFlow_NamesThePoliciesIsolatingTheSource()
    {
        FlowLookupTable table = Table((Client, Direction.Egress, ["shop/egress-lockdown"]), (Web, Direction.Egress, ["shop/not-this-one"]));

        FlowRecord r = Enriched(new FlowRecordEnricher(table, table, table), Flow(FlowVerdict.Deny, Direction.Egress));

        Assert.Equal(["shop/egress-lockdown"], r.IsolatingPolicies!);
    }

    [Fact]
    public void ADeniedFlow_WithoutPodNames_CannotNameIsolatingPolicies()
    {
        FlowLookupTable table = Table((Web, Direction.Ingress, ["shop/default-deny"]));

        FlowRecord r = Enriched(new FlowRecordEnricher(pods: null, rules: table, isolation: table), Flow(FlowVerdict.Deny, Direction.Ingress));

        Assert.Null(r.IsolatingPolicies);
    }

    [Fact]
    public void AnAllowedFlow_IsNeverGivenIsolatingPolicies()
    {
        FlowLookupTable table = Table((Web, Direction.Ingress, ["shop/default-deny"]));

        FlowRecord r = Enriched(new FlowRecordEnricher(table, table, table), Flow(FlowVerdict.Allow, Direction.Ingress));

        Assert.Null(r.IsolatingPolicies);
    }

    [Fact]
    public void APublishedTable_ReplacesThePreviousOneWhole()
    {
        FlowLookupTable table = Table();
        table.Publish([new(FlowAddress.Parse("10.0.0.1"), new PodIdentity("shop", "client-2"))], [], []);

        FlowRecord r = Enriched(new FlowRecordEnricher(table, table, table), Flow(FlowVerdict.Allow, Direction.Ingress, ruleId: 7));

        Assert.Equal("client-2", r.SourcePod);
        Assert.Null(r.DestinationPod);
        Assert.Null(r.Rule);
    }
}
