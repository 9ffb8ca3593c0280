using System.Text.Json.Nodes;
using Npa.Ingest.Kubernetes.Controller;
using Npa.Ingest.Manifests;
using Npa.Ingest.Tests.Kubernetes.FakeApiServer;
using Npa.Ingest.Translation;
using Npa.Resolver.Model;
using Npa.Resolver.Resolution;
using Npa.Tests.Shared;
using Server = Npa.Ingest.Tests.Kubernetes.FakeApiServer.FakeApiServer;

namespace Npa.Ingest.Tests.Kubernetes.Schema;

/// <summary>
/// The chart's PolicyEndpoint CRD against what the two controllers write. A real API server validates
/// every PolicyEndpoint against the installed CRD's structural schema and prunes fields it does not
/// declare; the fake server in these tests did neither, so a misspelt field or a wrong type would have
/// passed every other test. Here: the CRD is structural; every PolicyEndpoint npa's controller writes for
/// realistic policies fits our schema and the EKS schema; what the EKS controller writes fits ours.
/// </summary>
public sealed class PolicyEndpointSchemaTests
{
    /// <summary>
    /// The EKS controller's schema as it differs from ours (facts from its published CRD): an ingress or
    /// egress entry requires cidr and has no domainName; protocol and podIsolation are free strings.
    /// </summary>
    private static StructuralSchema EksSchema()
    {
        JsonObject root = ChartFiles.PolicyEndpointSchema.Root.DeepClone().AsObject();
        StructuralSchema eks = StructuralSchema.FromJson(root, "EKS policyendpoints v1alpha1");
        foreach (string list in new[] { "spec.ingress[]", "spec.egress[]" })
        {
            JsonObject entry = eks.At(list);
            entry.Remove("anyOf");
            entry["required"] = new JsonArray("cidr");
            entry["properties"]!.AsObject().Remove("domainName");
            eks.At($"{list}.ports[].protocol").Remove("enum");
        }

        eks.At("spec.podIsolation[]").Remove("enum");
        return eks;
    }

    private const string Cluster = """
        apiVersion: v1
        kind: Namespace
        metadata: {name: shop, labels: {team: shop, kubernetes.io/metadata.name: shop}}
        ---
        apiVersion: v1
        kind: Namespace
        metadata: {name: db, labels: {team: db, kubernetes.io/metadata.name: db}}
        ---
        apiVersion: v1
        kind: Namespace
        metadata: {name: kube-system, labels: {kubernetes.io/metadata.name: kube-system}}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {namespace: shop, name: front-1, uid: pod-front-1, labels: {app: front, tier: web}}
        spec:
          nodeName: node-a
          containers:
            - name: main
              ports:
                - {name: http, containerPort: 8080}
                - {name: metrics, containerPort: 9100, protocol: UDP}
        status: {phase: Running, hostIP: 10.0.0.1, podIP: 192.168.1.10, podIPs: [{ip: 192.168.1.10}, {ip: "fd00::10"}]}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {namespace: shop, name: front-2, uid: pod-front-2, labels: {app: front, tier: web}}
        spec:
          nodeName: node-b
          containers:
            - name: main
              ports:
                - {name: http, containerPort: 8081}
        status: {phase: Running, hostIP: 10.0.0.2, podIP: 192.168.2.10, podIPs: [{ip: 192.168.2.10}]}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {namespace: shop, name: api-1, uid: pod-api-1, labels: {app: api}}
        spec:
          nodeName: node-a
          containers:
            - name: main
              ports:
                - {name: grpc, containerPort: 9000, protocol: SCTP}
        status: {phase: Running, hostIP: 10.0.0.1, podIP: 192.168.1.20, podIPs: [{ip: 192.168.1.20}]}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {namespace: db, name: pg-0, uid: pod-pg-0, labels: {app: pg}}
        spec:
          nodeName: node-b
          containers:
            - name: pg
              ports:
                - {name: pg, containerPort: 5432}
        status: {phase: Running, hostIP: 10.0.0.2, podIP: 192.168.2.30, podIPs: [{ip: 192.168.2.30}]}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {namespace: kube-system, name: coredns-1, uid: pod-coredns-1, labels: {k8s-app: kube-dns}}
        spec:
          nodeName: node-a
          containers:
            - name: coredns
              ports:
                - {name: dns, containerPort: 53, protocol: UDP}
        status: {phase: Running, hostIP: 10.0.0.1, podIP: 192.168.1.53, podIPs: [{ip: 192.168.1.53}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {namespace: db, name: pg}
        spec:
          clusterIP: 172.20.0.15
          selector: {app: pg}
          ports: [{port: 5432, targetPort: 5432, protocol: TCP}]
        """;

    /// <summary>Realistic policies, each with the shapes it exercises.</summary>
    public static TheoryData<string, string> Policies => new()
    {
        {
            "ipBlock with except, and a port",
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {namespace: shop, name: from-corp, uid: uid-from-corp}
            spec:
              podSelector: {matchLabels: {app: front}}
              ingress:
                - from:
                    - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16, 10.2.0.0/16]}
                    - ipBlock: {cidr: "2001:db8::/32", except: ["2001:db8:1::/48"]}
                  ports: [{protocol: TCP, port: 443}]
            """
        },
        {
            "named ports resolved per selected pod, TCP and UDP",
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {namespace: shop, name: named, uid: uid-named}
            spec:
              podSelector: {matchLabels: {app: front}}
              policyTypes: [Ingress]
              ingress:
                - from: [{podSelector: {matchLabels: {app: api}}}]
                  ports: [{port: http}, {port: metrics, protocol: UDP}]
            """
        },
        {
            "port range with endPort",
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {namespace: shop, name: node-ports, uid: uid-node-ports}
            spec:
              podSelector: {matchLabels: {app: api}}
              policyTypes: [Ingress, Egress]
              egress:
                - to: [{ipBlock: {cidr: 172.16.0.0/12}}]
                  ports: [{protocol: TCP, port: 30000, endPort: 32767}, {protocol: UDP, port: 30000, endPort: 32767}]
            """
        },
        {
            "SCTP from other namespaces, expression selectors",
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {namespace: shop, name: sctp, uid: uid-sctp}
            spec:
              podSelector:
                matchExpressions:
                  - {key: app, operator: In, values: [api, front]}
                  - {key: tier, operator: DoesNotExist}
              ingress:
                - from:
                    - namespaceSelector: {matchExpressions: [{key: team, operator: Exists}]}
                      podSelector: {matchLabels: {app: pg}}
                  ports: [{protocol: SCTP, port: 9000}, {protocol: SCTP, port: grpc}]
            """
        },
        {
            "empty podSelector: deny all ingress in the namespace",
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {namespace: shop, name: default-deny, uid: uid-default-deny}
            spec:
              podSelector: {}
              policyTypes: [Ingress]
            """
        },
        {
            "egress only: database through its Service, DNS, everything else denied",
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {namespace: shop, name: egress-only, uid: uid-egress-only}
            spec:
              podSelector: {matchLabels: {app: front}}
              policyTypes: [Egress]
              egress:
                - to: [{namespaceSelector: {matchLabels: {team: db}}, podSelector: {matchLabels: {app: pg}}}]
                  ports: [{protocol: TCP, port: 5432}]
                - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]
                  ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]
            """
        },
        {
            "allow everything out, any port and protocol",
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {namespace: db, name: allow-all-egress, uid: uid-allow-all-egress}
            spec:
              podSelector: {}
              policyTypes: [Egress]
              egress: [{}]
            """
        },
    };

    [Fact]
    public void Crd_ServesV1alpha1_Namespaced_WithAStatusSubresource_AndAStructuralSchema()
    {
        JsonObject crd = StructuralSchema.ReadYaml(ChartFiles.PolicyEndpointCrd).Single();
        JsonObject spec = crd["spec"]!.AsObject();
        Assert.Equal("policyendpoints.networking.k8s.aws", crd["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal(("networking.k8s.aws", "Namespaced"), (spec["group"]!.GetValue<string>(), spec["scope"]!.GetValue<string>()));
        Assert.Equal(("PolicyEndpoint", "PolicyEndpointList", "policyendpoints", "policyendpoint"), (
            spec["names"]!["kind"]!.GetValue<string>(), spec["names"]!["listKind"]!.GetValue<string>(),
            spec["names"]!["plural"]!.GetValue<string>(), spec["names"]!["singular"]!.GetValue<string>()));
        JsonObject version = Assert.Single(spec["versions"]!.AsArray().OfType<JsonObject>());
        Assert.Equal(("v1alpha1", true, true), (version["name"]!.GetValue<string>(), version["served"]!.GetValue<bool>(), version["storage"]!.GetValue<bool>()));
        Assert.NotNull(version["subresources"]?["status"]);
        Assert.Empty(ChartFiles.PolicyEndpointSchema.StructuralProblems());
        Assert.Empty(EksSchema().StructuralProblems());
        Assert.Equal(["policyRef"], ChartFiles.PolicyEndpointSchema.At("spec")["required"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(["hostIP", "podIP", "name", "namespace"], ChartFiles.PolicyEndpointSchema.At("spec.podSelectorEndpoints[]")["required"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    [Theory]
    [MemberData(nameof(Policies))]
    public async Task WhatTheControllerWrites_FitsOurCrdAndTheEksCrd(string shapes, string policyYaml)
    {
        ManifestSet manifests = ManifestReader.ReadText($"{Cluster}\n---\n{policyYaml}", shapes);
        Assert.DoesNotContain(manifests.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        NetworkPolicySpec policy = Assert.Single(manifests.Policies);
        ResolverState state = ResolverState.FromSnapshot(new ClusterSnapshot(manifests.Namespaces, manifests.Pods, manifests.Policies, manifests.Services));
        IReadOnlyList<PolicyEndpointSpec> desired = PolicyEndpointBuilder.Build(state, policy.Ref, chunkSize: 2);

        await using Server server = await Server.StartAsync();
        using k8s.Kubernetes client = KubeObjects.Client(server);
        PolicyEndpointWriter writer = new(client, chunkSize: 2);
        ReconcileResult result = await writer.ReconcileAsync(new PolicyReference(policy.Name, policy.Namespace), policy.Uid, desired, CancellationToken.None)
            .WaitAsync(TestTimeouts.Default);

        List<JsonObject> created = [.. server.Requests.Where(r => r.Method == "POST" && r.Path.EndsWith("/policyendpoints", StringComparison.Ordinal))
            .Select(r => JsonNode.Parse(r.Body)!.AsObject())];
        Assert.Equal(result.Created, created.Count);
        Assert.NotEmpty(created);
        StructuralSchema eks = EksSchema();
        foreach (JsonObject body in created)
        {
            Assert.Equal([], ChartFiles.PolicyEndpointSchema.Validate(body));
            Assert.Equal([], eks.Validate(body));
            Assert.Equal(("networking.k8s.aws/v1alpha1", "PolicyEndpoint"), (body["apiVersion"]!.GetValue<string>(), body["kind"]!.GetValue<string>()));
            Assert.Equal(policy.Name, body["metadata"]!["labels"]![PolicyEndpointJson.ParentPolicyLabel]!.GetValue<string>());
            JsonObject owner = Assert.Single(body["metadata"]!["ownerReferences"]!.AsArray())!.AsObject();
            Assert.Equal(("networking.k8s.io/v1", "NetworkPolicy", policy.Name, policy.Uid, true, true), (
                owner["apiVersion"]!.GetValue<string>(), owner["kind"]!.GetValue<string>(), owner["name"]!.GetValue<string>(),
                owner["uid"]!.GetValue<string>(), owner["controller"]!.GetValue<bool>(), owner["blockOwnerDeletion"]!.GetValue<bool>()));
        }

        // What the server stored reads back as what was desired.
        IReadOnlyList<JsonObject> stored = server.Objects(KubeObjects.PolicyEndpoints);
        List<PolicyEndpointSpec> readBack = [.. stored.Select(o => PolicyEndpointTranslator.Translate(o, "stored").Value!)];
        Assert.All(readBack, Assert.NotNull);
        Assert.Equal(
            desired.Select(d => PolicyEndpointJson.Spec(d).ToJsonString()).Order(StringComparer.Ordinal),
            readBack.Select(d => PolicyEndpointJson.Spec(d).ToJsonString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task PatchesTheControllerSends_AreMergePatches_AndLeaveObjectsThatFitTheCrd()
    {
        ManifestSet manifests = ManifestReader.ReadText($"{Cluster}\n---\n{Policies.Select(p => (string)p[1]).First()}", "patch");
        NetworkPolicySpec policy = Assert.Single(manifests.Policies);
        PolicyEndpointSpec Build(ManifestSet m) => Assert.Single(PolicyEndpointBuilder.Build(
            ResolverState.FromSnapshot(new ClusterSnapshot(m.Namespaces, m.Pods, m.Policies, m.Services)), policy.Ref));

        await using Server server = await Server.StartAsync();
        using k8s.Kubernetes client = KubeObjects.Client(server);
        PolicyEndpointWriter writer = new(client);
        PolicyReference reference = new(policy.Name, policy.Namespace);
        await writer.ReconcileAsync(reference, policy.Uid, [Build(manifests)], CancellationToken.None).WaitAsync(TestTimeouts.Default);

        // front-2 leaves (its pod is gone); the ipBlock stays: one patch of podSelectorEndpoints.
        ManifestSet later = manifests with { Pods = [.. manifests.Pods.Where(p => p.Name != "front-2")] };
        ReconcileResult patched = await writer.ReconcileAsync(reference, policy.Uid, [Build(later)], CancellationToken.None).WaitAsync(TestTimeouts.Default);

        Assert.Equal(1, patched.Patched);
        RecordedRequest patch = Assert.Single(server.Requests, r => r.Method == "PATCH");
        Assert.Equal("application/merge-patch+json", patch.ContentType?.Split(';')[0]);
        Assert.DoesNotContain(server.Requests, r => r.ContentType?.Contains("strategic-merge-patch", StringComparison.Ordinal) == true);
        JsonObject stored = Assert.Single(server.Objects(KubeObjects.PolicyEndpoints));
        Assert.Equal([], ChartFiles.PolicyEndpointSchema.Validate(stored));
        Assert.Equal([], EksSchema().Validate(stored));
        Assert.DoesNotContain("front-2", stored.ToJsonString(), StringComparison.Ordinal);
    }

    /// <summary>PolicyEndpoints as the EKS controller writes them: its Go types with omitempty, so empty lists and absent protocols are left out.</summary>
    public static TheoryData<string, string> EksWritten => new()
    {
        {
            "ingress from a pod and an ipBlock, protocol left to its default",
            """
            {"apiVersion":"networking.k8s.aws/v1alpha1","kind":"PolicyEndpoint",
             "metadata":{"name":"web-x9k2q","generateName":"web-","namespace":"shop","ownerReferences":[{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","name":"web","uid":"8a1c","controller":true,"blockOwnerDeletion":true}]},
             "spec":{"podSelector":{"matchLabels":{"app":"web"}},"policyRef":{"name":"web","namespace":"shop"},"podIsolation":["Ingress"],
              "podSelectorEndpoints":[{"hostIP":"10.0.0.1","podIP":"192.168.1.10","name":"web-1","namespace":"shop"}],
              "ingress":[{"cidr":"192.168.3.4","ports":[{"port":8080}]},{"cidr":"10.0.0.0/8","except":["10.1.0.0/16"],"ports":[{"protocol":"UDP","port":53},{"protocol":"TCP","port":30000,"endPort":32767}]}]},
             "status":{}}
            """
        },
        {
            "egress only with an empty selector, no ports (every port)",
            """
            {"apiVersion":"networking.k8s.aws/v1alpha1","kind":"PolicyEndpoint",
             "metadata":{"name":"deny-x7k2p","namespace":"shop"},
             "spec":{"podSelector":{},"policyRef":{"name":"deny","namespace":"shop"},"podIsolation":["Egress"],
              "egress":[{"cidr":"0.0.0.0/0"},{"cidr":"::/0"}]}}
            """
        },
        {
            "an FQDN egress entry from a newer EKS controller: cidr written empty beside domainName",
            """
            {"apiVersion":"networking.k8s.aws/v1alpha1","kind":"PolicyEndpoint",
             "metadata":{"name":"api-q2w4r","namespace":"shop","labels":{"networking.k8s.io/parent-network-policy-name":"api"}},
             "spec":{"podSelector":{"matchLabels":{"app":"api"}},"policyRef":{"name":"api","namespace":"shop"},"podIsolation":["Egress"],
              "egress":[{"cidr":"","domainName":"api.example.com","ports":[{"protocol":"TCP","port":443}]},{"cidr":"10.0.0.0/16"}]}}
            """
        },
        {
            "a policy that selects no pod yet: only the reference",
            """
            {"apiVersion":"networking.k8s.aws/v1alpha1","kind":"PolicyEndpoint",
             "metadata":{"name":"idle-abcde","namespace":"shop"},
             "spec":{"podSelector":{"matchExpressions":[{"key":"app","operator":"In","values":["idle"]}]},"policyRef":{"name":"idle","namespace":"shop"},"podIsolation":["Ingress","Egress"]}}
            """
        },
    };

    [Theory]
    [MemberData(nameof(EksWritten))]
    public void WhatTheEksControllerWrites_FitsOurCrd_AndReadsBack(string shape, string json)
    {
        JsonObject obj = JsonNode.Parse(json)!.AsObject();
        Assert.Equal([], ChartFiles.PolicyEndpointSchema.Validate(obj));
        TranslationResult<PolicyEndpointSpec> read = PolicyEndpointTranslator.Translate(obj, shape);
        Assert.True(read.Accepted, string.Join("; ", read.Diagnostics));

        // npa's agent enforces the address entries and skips domain entries with a warning.
        int domains = new[] { "ingress", "egress" }.Sum(list => (obj["spec"]![list] as JsonArray ?? []).Count(e => e!["domainName"] is not null));
        Assert.Equal(domains, read.Diagnostics.Count(d => d.Message.Contains("domainName entries are not enforced", StringComparison.Ordinal)));
        Assert.Equal(
            new[] { "ingress", "egress" }.Sum(list => (obj["spec"]![list] as JsonArray ?? []).Count(e => e!["domainName"] is null)),
            read.Value!.Ingress.Count + read.Value.Egress.Count);
        Assert.All(read.Value!.Ingress.Concat(read.Value.Egress).SelectMany(e => e.Ports), p => Assert.NotEqual(Protocol.Unknown, p.Protocol));
    }

    /// <summary>Mistakes the fake server used to let through, each of which a real API server refuses or prunes.</summary>
    public static TheoryData<string, string, string> Mistakes => new()
    {
        { "port as a string", """{"cidr":"10.0.0.0/8","ports":[{"protocol":"TCP","port":"443"}]}""", "spec.ingress[0].ports[0].port: string \"443\" is not of type integer" },
        { "endport misspelt", """{"cidr":"10.0.0.0/8","ports":[{"protocol":"TCP","port":1,"endport":9}]}""", "spec.ingress[0].ports[0].endport: unknown field" },
        { "ICMP", """{"cidr":"10.0.0.0/8","ports":[{"protocol":"ICMP"}]}""", "spec.ingress[0].ports[0].protocol: \"ICMP\" is not one of" },
        { "port beyond int32", """{"cidr":"10.0.0.0/8","ports":[{"port":4294967296}]}""", "does not fit format int32" },
        { "neither cidr nor domainName", """{"except":["10.1.0.0/16"]}""", "spec.ingress[0]: matches none of anyOf" },
        { "except as a string", """{"cidr":"10.0.0.0/8","except":"10.1.0.0/16"}""", "spec.ingress[0].except: string \"10.1.0.0/16\" is not of type array" },
        { "null ports", """{"cidr":"10.0.0.0/8","ports":null}""", "spec.ingress[0].ports: null for a field that is not nullable" },
    };

    [Theory]
    [MemberData(nameof(Mistakes))]
    public void TheValidator_RefusesWhatARealApiServerRefusesOrPrunes(string mistake, string ingressEntry, string expected)
    {
        JsonObject obj = new()
        {
            ["apiVersion"] = "networking.k8s.aws/v1alpha1",
            ["kind"] = "PolicyEndpoint",
            ["metadata"] = new JsonObject { ["name"] = "web-abcde", ["namespace"] = "shop" },
            ["spec"] = new JsonObject
            {
                ["policyRef"] = new JsonObject { ["name"] = "web", ["namespace"] = "shop" },
                ["ingress"] = new JsonArray(JsonNode.Parse(ingressEntry)),
            },
        };

        Assert.Contains(ChartFiles.PolicyEndpointSchema.Validate(obj), e => e.Contains(expected, StringComparison.Ordinal));
        Assert.True(ChartFiles.PolicyEndpointSchema.Validate(obj).Count > 0, mistake);
    }

    [Fact]
    public void TheValidator_RefusesAMissingPolicyRefNamespace_AnUnknownSpecField_AnOwnerWithoutUid_AndALabelValueTooLong()
    {
        JsonObject obj = new()
        {
            ["apiVersion"] = "networking.k8s.aws/v1alpha1",
            ["kind"] = "PolicyEndpoint",
            ["metadata"] = new JsonObject
            {
                ["generateName"] = "web-",
                ["namespace"] = "shop",
                ["ownerReferences"] = new JsonArray(new JsonObject { ["apiVersion"] = "networking.k8s.io/v1", ["kind"] = "NetworkPolicy", ["name"] = "web" }),
            },
            ["spec"] = new JsonObject
            {
                ["policyRef"] = new JsonObject { ["name"] = "web" },
                ["podEndpoints"] = new JsonArray(),
            },
        };

        obj["metadata"]!["labels"] = new JsonObject { [PolicyEndpointJson.ParentPolicyLabel] = new string('a', 64) };
        IReadOnlyList<string> errors = ChartFiles.PolicyEndpointSchema.Validate(obj);
        Assert.Contains(errors, e => e.StartsWith($"metadata.labels[{PolicyEndpointJson.ParentPolicyLabel}]: ", StringComparison.Ordinal));
        Assert.Contains("spec.policyRef: required field namespace is missing", errors);
        Assert.Contains("spec.podEndpoints: unknown field (a structural schema prunes it)", errors);
        Assert.Contains("metadata.ownerReferences[0].uid: required", errors);
    }
}
