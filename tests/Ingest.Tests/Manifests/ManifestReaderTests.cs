using System.Net;
using Npa.Ingest.Manifests;
using Npa.Resolver.Model;

namespace Npa.Ingest.Tests.Manifests;

public class ManifestReaderTests
{
    [Fact]
    public void Pod_CarriesLabels_PortsWithNamesAndProtocols_AndDualStackIps()
    {
        ManifestSet set = ManifestReader.ReadText("""
            apiVersion: v1
            kind: Pod
            metadata: {name: a, namespace: x, labels: {pod: a}}
            spec:
              nodeName: node-1
              containers:
              - name: c
                ports:
                - {containerPort: 80, name: serve-80-tcp}
                - {containerPort: 81, name: serve-81-udp, protocol: UDP}
                - {containerPort: 82, protocol: SCTP}
            status:
              podIP: 10.0.0.1
              podIPs: [{ip: 10.0.0.1}, {ip: "fd00::1"}]
            """, "pods.yaml");

        PodInfo pod = Assert.Single(set.Pods);
        Assert.Equal("a", pod.Labels["pod"]);
        Assert.Equal("node-1", pod.NodeName);
        Assert.Equal([IPAddress.Parse("10.0.0.1"), IPAddress.Parse("fd00::1")], pod.Ips);
        Assert.Equal(
            [new ContainerPort("serve-80-tcp", 80, Protocol.Tcp), new ContainerPort("serve-81-udp", 81, Protocol.Udp), new ContainerPort(null, 82, Protocol.Sctp)],
            pod.Ports);
        Assert.Empty(set.Diagnostics);
    }

    [Fact]
    public void UndeclaredNamespace_ExistsWithOnlyItsNameLabel()
    {
        ManifestSet set = ManifestReader.ReadText("kind: Pod\nmetadata: {name: a, namespace: y}\n", "p.yaml");
        NamespaceInfo ns = Assert.Single(set.Namespaces);
        Assert.Equal("y", ns.Name);
        Assert.Equal("y", ns.Labels["kubernetes.io/metadata.name"]);
    }

    [Fact]
    public void Namespace_AlwaysGetsMetadataNameLabel()
    {
        ManifestSet set = ManifestReader.ReadText("kind: Namespace\nmetadata: {name: z, labels: {ns: z}}\n", "n.yaml");
        NamespaceInfo ns = Assert.Single(set.Namespaces);
        Assert.Equal("z", ns.Labels["ns"]);
        Assert.Equal("z", ns.Labels["kubernetes.io/metadata.name"]);
    }

    [Fact]
    public void JsonListOfObjects_IsRead()
    {
        ManifestSet set = ManifestReader.ReadText("""
            {"apiVersion":"v1","kind":"List","items":[
              {"kind":"Namespace","metadata":{"name":"x"}},
              {"kind":"Pod","metadata":{"name":"a","namespace":"x"},"status":{"podIP":"10.0.0.9"}}]}
            """, "list.json");
        Assert.Single(set.Namespaces);
        Assert.Equal(IPAddress.Parse("10.0.0.9"), Assert.Single(Assert.Single(set.Pods).Ips));
    }

    [Fact]
    public void BrokenYaml_IsReported_AndOtherFilesStillCount()
    {
        string dir = Directory.CreateTempSubdirectory("npa-manifests-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "a.yaml"), "kind: Pod\nmetadata: {name: a, namespace: x\n");
            File.WriteAllText(Path.Combine(dir, "b.yaml"), "kind: Pod\nmetadata: {name: b, namespace: x}\n");
            File.WriteAllText(Path.Combine(dir, "notes.txt"), "not a manifest");

            ManifestSet set = ManifestReader.ReadPaths([dir]);

            Assert.Equal("b", Assert.Single(set.Pods).Name);
            Diagnostic d = Assert.Single(set.Diagnostics);
            Assert.Equal(DiagnosticSeverity.Error, d.Severity);
            Assert.EndsWith("a.yaml", d.Name, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void MissingPath_IsAnError_NamingThePath()
    {
        ManifestSet set = ManifestReader.ReadPaths(["/nonexistent/npa/manifests"]);
        Assert.Contains("no such file", Assert.Single(set.Diagnostics).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidPodPort_RejectsThePod_NamingTheField()
    {
        ManifestSet set = ManifestReader.ReadText(
            "kind: Pod\nmetadata: {name: a, namespace: x}\nspec:\n  containers:\n  - ports: [{containerPort: 99999}]\n", "p.yaml");
        Assert.Empty(set.Pods);
        Assert.Equal("spec.containers[0].ports[0].containerPort", Assert.Single(set.Diagnostics).Field);
    }

    [Fact]
    public void TerminatedPod_HasNoAddress()
    {
        ManifestSet set = ManifestReader.ReadText(
            "kind: Pod\nmetadata: {name: a, namespace: x}\nstatus: {phase: Succeeded, podIP: 10.0.0.3}\n", "p.yaml");
        Assert.Empty(Assert.Single(set.Pods).Ips);
    }

    [Fact]
    public void Service_TargetPortDefaultsToPort_AndNamedTargetPortIsKept()
    {
        ManifestSet set = ManifestReader.ReadText("""
            kind: Service
            metadata: {name: web, namespace: x}
            spec:
              clusterIP: 10.96.0.10
              selector: {app: web}
              ports:
              - {port: 80}
              - {port: 443, targetPort: https, protocol: TCP}
              - {port: 53, targetPort: 5353, protocol: UDP}
            """, "s.yaml");
        ServiceInfo svc = Assert.Single(set.Services);
        Assert.Equal([IPAddress.Parse("10.96.0.10")], svc.ClusterIps);
        Assert.Equal(new ServicePort(null, Protocol.Tcp, 80, 80, null), svc.Ports[0]);
        Assert.Equal(new ServicePort(null, Protocol.Tcp, 443, null, "https"), svc.Ports[1]);
        Assert.Equal(new ServicePort(null, Protocol.Udp, 53, 5353, null), svc.Ports[2]);
    }

    [Fact]
    public void PolicyEndpoint_IsReadFieldForField()
    {
        ManifestSet set = ManifestReader.ReadText("""
            apiVersion: networking.k8s.aws/v1alpha1
            kind: PolicyEndpoint
            metadata:
              name: web-abcde
              generateName: web-
              namespace: default
              ownerReferences: [{apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, name: web, uid: u-1, controller: true}]
            spec:
              policyRef: {name: web, namespace: default}
              podSelector: {matchLabels: {app: web}}
              podIsolation: [Ingress, Egress]
              podSelectorEndpoints: [{hostIP: 192.168.0.1, podIP: 10.0.0.5, name: web-1, namespace: default}]
              ingress:
              - cidr: 10.0.0.0/16
                except: [10.0.1.0/24]
                ports: [{protocol: TCP, port: 80, endPort: 90}, {protocol: UDP}]
              egress:
              - cidr: 10.0.0.7
            """, "pe.yaml");
        PolicyEndpointSpec pe = Assert.Single(set.PolicyEndpoints);
        Assert.Equal(new PolicyReference("web", "default"), pe.PolicyRef);
        Assert.Equal("web-", pe.GenerateName);
        Assert.Equal("u-1", pe.OwnerUid);
        Assert.Equal([Direction.Ingress, Direction.Egress], pe.PodIsolation);
        Assert.Equal(new PodEndpoint("192.168.0.1", "10.0.0.5", "web-1", "default"), Assert.Single(pe.PodSelectorEndpoints));
        EndpointInfo ingress = Assert.Single(pe.Ingress);
        Assert.Equal(["10.0.1.0/24"], ingress.Except);
        Assert.Equal([new EndpointPort(Protocol.Tcp, 80, 90), new EndpointPort(Protocol.Udp, null, null)], ingress.Ports);
        Assert.Equal("10.0.0.7", Assert.Single(pe.Egress).Cidr);
    }

    [Fact]
    public void QuotedNumber_IsAString_SoAQuotedPortIsRejectedWithAHint()
    {
        ManifestSet set = ManifestReader.ReadText(
            "kind: NetworkPolicy\nmetadata: {name: p, namespace: x}\nspec:\n  podSelector: {}\n  ingress:\n  - ports: [{port: \"80\"}]\n", "p.yaml");
        Assert.Empty(set.Policies);
        Assert.Contains("quoted number", Assert.Single(set.Diagnostics).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LaterCopyOfAnObject_Wins()
    {
        ManifestSet set = ManifestReader.ReadText(
            "kind: Pod\nmetadata: {name: a, namespace: x, labels: {v: '1'}}\n---\nkind: Pod\nmetadata: {name: a, namespace: x, labels: {v: '2'}}\n", "p.yaml");
        Assert.Equal("2", Assert.Single(set.Pods).Labels["v"]);
    }
}
