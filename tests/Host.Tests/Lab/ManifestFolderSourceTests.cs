using System.Threading.Channels;
using Npa.Host.Lab;
using Npa.Ingest.Manifests;
using Npa.Resolver.Events;
using Npa.Resolver.Model;
using Npa.Tests.Shared;

namespace Npa.Host.Tests.Lab;

public class ManifestFolderSourceTests
{
    private const string PodA = """
        apiVersion: v1
        kind: Pod
        metadata: {namespace: x, name: a, labels: {pod: a}}
        status: {podIP: 10.1.0.1}
        ---
        """;

    private const string Policy = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {namespace: x, name: deny}
        spec: {podSelector: {}, policyTypes: [Ingress]}
        """;

    [Fact]
    public void Changes_FromNothing_UpsertEveryObject_NamespacesFirst()
    {
        ManifestSet set = ManifestReader.ReadText(PodA + "\n" + Policy, "test");

        List<ClusterEvent> events = [.. ManifestFolderSource.Changes(ManifestSet.Empty, set, "v1")];

        Assert.Equal(["NamespaceUpserted", "PolicyUpserted", "PodUpserted"], events.Select(e => e.GetType().Name));
        Assert.All(events, e => Assert.Equal("v1", e.ResourceVersion));
    }

    [Fact]
    public void Changes_BetweenReads_AreOnlyWhatDiffers_AndDeletesWhatIsGone()
    {
        ManifestSet before = ManifestReader.ReadText(PodA + "\n" + Policy, "test");
        ManifestSet after = ManifestReader.ReadText(PodA.Replace("10.1.0.1", "10.1.0.2", StringComparison.Ordinal), "test");

        List<ClusterEvent> events = [.. ManifestFolderSource.Changes(before, after, "v2")];

        PodUpserted pod = Assert.IsType<PodUpserted>(events[0]);
        Assert.Equal("10.1.0.2", Assert.Single(pod.Pod.Ips).ToString());
        Assert.Equal(new ObjectRef("x", "deny"), Assert.IsType<PolicyDeleted>(events[1]).Policy);
        Assert.Equal(2, events.Count);
        Assert.Empty(ManifestFolderSource.Changes(after, after, "v3"));
    }

    [Fact]
    public async Task Run_FirstReadEndsWithSourceSyncedPerKind_ThenFollowsTheFolder()
    {
        string folder = Directory.CreateTempSubdirectory("npa-folder-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "pod.yaml"), PodA);
            ManifestFolderSource source = new(folder, TimeSpan.FromMilliseconds(100));
            Channel<ClusterEvent> events = Channel.CreateUnbounded<ClusterEvent>();
            using CancellationTokenSource stop = new();
            bool synced = false;
            Task run = source.RunAsync(events.Writer, () => synced = true, stop.Token);

            List<ClusterEvent> first = await ReadAsync(events.Reader, 6);
            Assert.Equal(["NamespaceUpserted", "PodUpserted"], first.Take(2).Select(e => e.GetType().Name));
            Assert.Equal(
                [ResourceKind.Namespace, ResourceKind.Pod, ResourceKind.NetworkPolicy, ResourceKind.Service],
                first.Skip(2).Select(e => Assert.IsType<SourceSynced>(e).SyncedKind));
            Assert.True(await Poll.UntilAsync(() => synced && source.LastRead.EventsWritten == 6));
            Assert.Equal(LabContentHash.Compute(folder), source.LastRead.ContentHash);

            File.WriteAllText(Path.Combine(folder, "policy.yaml"), Policy);
            Assert.IsType<PolicyUpserted>(Assert.Single(await ReadAsync(events.Reader, 1)));
            File.Delete(Path.Combine(folder, "pod.yaml"));
            Assert.IsType<PodDeleted>(Assert.Single(await ReadAsync(events.Reader, 1)));

            await stop.CancelAsync();
            await run.WaitAsync(TestTimeouts.Default);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<List<ClusterEvent>> ReadAsync(ChannelReader<ClusterEvent> reader, int count)
    {
        List<ClusterEvent> read = [];
        while (read.Count < count)
        {
            read.Add(await reader.ReadAsync().AsTask().WaitAsync(TestTimeouts.Default));
        }

        return read;
    }
}
