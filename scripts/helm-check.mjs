// Checks of the chart's rendered objects, run by scripts/helm-check.sh:
//   node scripts/helm-check.mjs RENDER_DIR        (RENDER_DIR holds <value-set>.yaml from helm template)
//   node scripts/helm-check.mjs --extract ZIP ENTRY DEST   (unzip one entry, for machines without unzip)
// Prints "ok   - ..." or "FAIL - ..." per check. The YAML parser comes from the folder in NPA_NODE_MODULES.
import { readFileSync, writeFileSync, chmodSync } from "node:fs";
import { inflateRawSync } from "node:zlib";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

if (process.argv[2] === "--extract") {
  extract(process.argv[3], process.argv[4], process.argv[5]);
  process.exit(0);
}

const renderDir = process.argv[2];
const require = createRequire(join(process.env.NPA_NODE_MODULES ?? ".", "x.js"));
const YAML = require("yaml");

let failures = 0;
function check(name, condition, detail) {
  if (condition) {
    console.log(`ok   - ${name}`);
  } else {
    failures++;
    console.log(`FAIL - ${name}${detail === undefined ? "" : `: ${typeof detail === "string" ? detail : JSON.stringify(detail)}`}`);
  }
}

function load(valueSet) {
  const text = readFileSync(join(renderDir, `${valueSet}.yaml`), "utf8");
  return YAML.parseAllDocuments(text).map((d) => d.toJS()).filter((o) => o && o.kind);
}
const find = (objs, kind, nameSuffix = "") =>
  objs.find((o) => o.kind === kind && o.metadata.name.endsWith(nameSuffix));
const all = (objs, kind) => objs.filter((o) => o.kind === kind);
const container = (podSpec, name) => (podSpec?.containers ?? []).find((c) => c.name === name);
const envValue = (c, name) => (c?.env ?? []).find((e) => e.name === name);
const sameSet = (a, b) => a.length === b.length && [...a].sort().join() === [...b].sort().join();
const portOf = (c, nameOrNumber) =>
  typeof nameOrNumber === "number" ? nameOrNumber : (c.ports ?? []).find((p) => p.name === nameOrNumber)?.containerPort;

// ---------------------------------------------------------------------------------------------------------
// Objects present in every rendering with an agent.
function checkAgent(set, objs, expect) {
  const ds = find(objs, "DaemonSet", "-agent");
  check(`${set}: agent DaemonSet rendered`, ds);
  if (!ds) return;
  const pod = ds.spec.template.spec;
  const agent = container(pod, "agent");
  check(`${set}: agent container runs \`npa agent\``, agent?.args?.[0] === "agent", agent?.args?.[0]);
  const args = agent?.args ?? [];
  for (const flag of expect.args) {
    check(`${set}: agent flag ${flag}`, args.includes(flag), args);
  }
  const flagNames = args.slice(1).map((a) => a.split("=")[0]);
  check(`${set}: no agent flag given twice`, new Set(flagNames).size === flagNames.length, flagNames);
  check(`${set}: hostNetwork`, pod.hostNetwork === true);
  check(`${set}: dnsPolicy ClusterFirstWithHostNet`, pod.dnsPolicy === "ClusterFirstWithHostNet");
  check(`${set}: NETWORK_POLICY_ENFORCING_MODE=${expect.mode}`, envValue(agent, "NETWORK_POLICY_ENFORCING_MODE")?.value === expect.mode,
    envValue(agent, "NETWORK_POLICY_ENFORCING_MODE"));
  check(`${set}: MY_NODE_NAME from spec.nodeName`, envValue(agent, "MY_NODE_NAME")?.valueFrom?.fieldRef?.fieldPath === "spec.nodeName");
  check(`${set}: CLUSTER_NAME=${JSON.stringify(expect.clusterName)}`, envValue(agent, "CLUSTER_NAME")?.value === expect.clusterName);

  const hostPathVolume = (path) => (pod.volumes ?? []).find((v) => v.hostPath?.path === path);
  const mountOf = (c, volume) => (c?.volumeMounts ?? []).find((m) => m.name === volume?.name);
  const bpf = hostPathVolume("/sys/fs/bpf");
  check(`${set}: bpffs hostPath /sys/fs/bpf mounted at /sys/fs/bpf`, bpf && mountOf(agent, bpf)?.mountPath === "/sys/fs/bpf");
  check(`${set}: bpffs mount sees host mounts (HostToContainer)`, mountOf(agent, bpf)?.mountPropagation === "HostToContainer");
  for (const path of ["/var/log/aws-routed-eni", "/var/run/aws-node", "/var/lib/npa"]) {
    const v = hostPathVolume(path);
    check(`${set}: hostPath ${path} mounted`, v && mountOf(agent, v)?.mountPath === path);
  }
  const init = (pod.initContainers ?? []).find((c) => c.name === "mount-bpffs");
  check(`${set}: init container mounts bpffs when missing`,
    init && init.command.join(" ").includes("mount -t bpf bpf /sys/fs/bpf") && init.command.join(" ").includes("bpf_fs"), init?.command);
  check(`${set}: init container propagates its mount to the host (Bidirectional, privileged)`,
    mountOf(init, bpf)?.mountPropagation === "Bidirectional" && init?.securityContext?.privileged === true);

  const sc = agent?.securityContext ?? {};
  check(`${set}: agent container not privileged`, sc.privileged === false);
  check(`${set}: agent drops ALL capabilities`, sameSet(sc.capabilities?.drop ?? [], ["ALL"]));
  check(`${set}: agent adds NET_ADMIN, BPF, PERFMON, SYS_RESOURCE only`,
    sameSet(sc.capabilities?.add ?? [], ["NET_ADMIN", "BPF", "PERFMON", "SYS_RESOURCE"]), sc.capabilities?.add);
  check(`${set}: agent root filesystem read-only`, sc.readOnlyRootFilesystem === true);
  if (expect.appArmorField) {
    check(`${set}: AppArmor unconfined by field`, sc.appArmorProfile?.type === "Unconfined"
      && !ds.spec.template.metadata.annotations?.["container.apparmor.security.beta.kubernetes.io/agent"]);
  } else {
    check(`${set}: AppArmor unconfined by annotation (Kubernetes before 1.30)`, sc.appArmorProfile === undefined
      && ds.spec.template.metadata.annotations?.["container.apparmor.security.beta.kubernetes.io/agent"] === "unconfined");
  }

  check(`${set}: liveness probe GET /healthz on ${expect.healthPort}`,
    agent?.livenessProbe?.httpGet?.path === "/healthz" && portOf(agent, agent.livenessProbe.httpGet.port) === expect.healthPort,
    agent?.livenessProbe);
  check(`${set}: readiness probe GET /readyz on ${expect.healthPort}`,
    agent?.readinessProbe?.httpGet?.path === "/readyz" && portOf(agent, agent.readinessProbe.httpGet.port) === expect.healthPort,
    agent?.readinessProbe);
  check(`${set}: metrics port ${expect.metricsPort}`, portOf(agent, "metrics") === expect.metricsPort, agent?.ports);
  const annotations = ds.spec.template.metadata.annotations ?? {};
  check(`${set}: prometheus scrape annotation on ${expect.metricsPort}`, annotations["prometheus.io/port"] === String(expect.metricsPort));
  check(`${set}: pods roll when the ConfigMap changes (checksum/config)`, /^[0-9a-f]{64}$/.test(annotations["checksum/config"] ?? ""));

  check(`${set}: tolerates every taint`, (pod.tolerations ?? []).some((t) => t.operator === "Exists" && !t.key && !t.effect), pod.tolerations);
  check(`${set}: nodeSelector kubernetes.io/os=linux`, pod.nodeSelector?.["kubernetes.io/os"] === "linux");
  check(`${set}: priorityClassName system-node-critical`, pod.priorityClassName === "system-node-critical");
  check(`${set}: agent ServiceAccount rendered and used`, find(objs, "ServiceAccount", "-agent")?.metadata.name === pod.serviceAccountName);

  const cm = find(objs, "ConfigMap", "-agent");
  check(`${set}: ConfigMap enforcing-mode=${expect.mode}`, cm?.data?.["enforcing-mode"] === expect.mode);
  check(`${set}: ConfigMap cloudwatch-log-group=${expect.logGroup}`, cm?.data?.["cloudwatch-log-group"] === expect.logGroup);
  check(`${set}: CLOUDWATCH_LOG_GROUP read from the ConfigMap`,
    envValue(agent, "CLOUDWATCH_LOG_GROUP")?.valueFrom?.configMapKeyRef?.name === cm?.metadata.name);
  check(`${set}: Fluent Bit input tails the flow log files`,
    (cm?.data?.["fluent-bit-input.conf"] ?? "").includes("Path              /var/log/aws-routed-eni/network-policy-agent*.log"));

  const test = objs.find((o) => o.kind === "Pod" && o.metadata.annotations?.["helm.sh/hook"] === "test");
  check(`${set}: helm test pod asks the agent for /healthz on ${expect.healthPort}`,
    test && test.spec.hostNetwork === true && test.spec.containers[0].command.join(" ").includes(`127.0.0.1:${expect.healthPort}/`)
      && test.spec.containers[0].command.join(" ").includes("healthz"));

  const agentRole = find(objs, "ClusterRole", "-agent");
  const rules = agentRole?.rules ?? [];
  const verbsFor = (group, resource) =>
    rules.filter((r) => r.apiGroups.includes(group) && r.resources.includes(resource)).flatMap((r) => r.verbs);
  const granted = [...new Set(rules.flatMap((r) => r.resources.map((x) => (r.apiGroups[0] ? `${x}.${r.apiGroups[0]}` : x))))];
  if (expect.policySource === "networkpolicies") {
    for (const [group, resource] of [["", "pods"], ["", "namespaces"], ["", "services"], ["networking.k8s.io", "networkpolicies"]]) {
      check(`${set}: agent RBAC list/watch ${resource} (policySource networkpolicies)`,
        sameSet(verbsFor(group, resource), ["list", "watch"]), verbsFor(group, resource));
    }
    check(`${set}: agent RBAC grants nothing else, PolicyEndpoints included (policySource networkpolicies)`,
      sameSet(granted, ["pods", "namespaces", "services", "networkpolicies.networking.k8s.io"]), granted);
  } else {
    check(`${set}: agent RBAC list/watch pods`, sameSet(verbsFor("", "pods"), ["list", "watch"]), verbsFor("", "pods"));
    check(`${set}: agent RBAC get/list/watch policyendpoints, no writes`,
      sameSet(verbsFor("networking.k8s.aws", "policyendpoints"), ["get", "list", "watch"]));
    check(`${set}: agent RBAC grants nothing else, no NetworkPolicies or Namespaces (policySource policyendpoints)`,
      sameSet(granted, ["pods", "policyendpoints.networking.k8s.aws"]), granted);
  }
  check(`${set}: agent RBAC writes nothing`,
    rules.every((r) => r.verbs.every((v) => ["get", "list", "watch"].includes(v))), rules);
  check(`${set}: no RoleBinding for the agent (it reads no ConfigMap)`,
    !objs.some((o) => o.kind === "RoleBinding" && o.subjects?.some((s) => s.name === pod.serviceAccountName)));
  checkBinding(set, objs, "ClusterRoleBinding", agentRole, pod.serviceAccountName);
}

function checkBinding(set, objs, kind, role, serviceAccount) {
  const binding = objs.find((o) => o.kind === kind && o.roleRef?.name === role?.metadata.name);
  check(`${set}: ${role?.kind ?? "role"} ${role?.metadata.name} bound to ServiceAccount ${serviceAccount}`,
    binding && binding.subjects.some((s) => s.kind === "ServiceAccount" && s.name === serviceAccount && s.namespace === "kube-system"));
}

function checkController(set, objs, expect) {
  const deploy = find(objs, "Deployment", "-controller");
  check(`${set}: controller Deployment rendered`, deploy);
  if (!deploy) return;
  const pod = deploy.spec.template.spec;
  const ctl = container(pod, "controller");
  const args = ctl?.args ?? [];
  check(`${set}: controller runs \`npa controller\``, args[0] === "controller");
  for (const flag of expect.args) {
    check(`${set}: controller flag ${flag}`, args.includes(flag), args);
  }
  check(`${set}: controller runs as non-root with no capabilities`,
    pod.securityContext?.runAsNonRoot === true && sameSet(ctl?.securityContext?.capabilities?.drop ?? [], ["ALL"]));
  check(`${set}: controller on the host network (no policy can cut it off from the API server)`,
    pod.hostNetwork === true && pod.dnsPolicy === "ClusterFirstWithHostNet");
  const anti = pod.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.[0];
  check(`${set}: controller replicas on different nodes (host ports)`,
    anti?.topologyKey === "kubernetes.io/hostname"
      && anti.labelSelector?.matchLabels?.["app.kubernetes.io/component"] === "controller");
  check(`${set}: controller probes /healthz and /readyz`,
    ctl?.livenessProbe?.httpGet?.path === "/healthz" && ctl?.readinessProbe?.httpGet?.path === "/readyz");

  const role = find(objs, "ClusterRole", "-controller");
  const rules = role?.rules ?? [];
  const verbsFor = (group, resource) =>
    rules.filter((r) => r.apiGroups.includes(group) && r.resources.includes(resource)).flatMap((r) => r.verbs);
  check(`${set}: controller RBAC list/watch networkpolicies`, sameSet(verbsFor("networking.k8s.io", "networkpolicies"), ["list", "watch"]));
  for (const resource of ["pods", "namespaces", "services"]) {
    check(`${set}: controller RBAC list/watch ${resource}`, sameSet(verbsFor("", resource), ["list", "watch"]));
  }
  const peVerbs = verbsFor("networking.k8s.aws", "policyendpoints");
  check(`${set}: controller RBAC list/watch/create/patch/delete policyendpoints`, sameSet(peVerbs, ["list", "watch", "create", "patch", "delete"]), peVerbs);
  check(`${set}: controller RBAC grants no status writes and no Events (it emits none)`,
    !rules.some((r) => r.resources.some((x) => x.endsWith("/status") || x === "events")), rules);
  check(`${set}: controller RBAC may set blockOwnerDeletion (networkpolicies/finalizers update)`,
    verbsFor("networking.k8s.io", "networkpolicies/finalizers").includes("update"));
  check(`${set}: controller RBAC never writes NetworkPolicies themselves`,
    !verbsFor("networking.k8s.io", "networkpolicies").some((v) => ["create", "update", "patch", "delete"].includes(v)));
  checkBinding(set, objs, "ClusterRoleBinding", role, pod.serviceAccountName);

  const leaseRole = objs.find((o) => o.kind === "Role" && o.rules?.some((r) => r.resources.includes("leases")));
  if (expect.leaderElection) {
    const leaseVerbs = leaseRole?.rules.flatMap((r) => r.verbs) ?? [];
    check(`${set}: leader election Role on leases in the release namespace`,
      leaseRole?.metadata.namespace === "kube-system" && sameSet(leaseVerbs, ["get", "create", "update"]), leaseVerbs);
    checkBinding(set, objs, "RoleBinding", leaseRole, pod.serviceAccountName);
  } else {
    check(`${set}: no lease Role without leader election`, !leaseRole);
  }
}

function checkCrd(set, objs) {
  const crd = objs.find((o) => o.kind === "CustomResourceDefinition" && o.metadata.name === "policyendpoints.networking.k8s.aws");
  check(`${set}: CRD policyendpoints.networking.k8s.aws present`, crd);
  if (!crd) return;
  check(`${set}: CRD group networking.k8s.aws, kind PolicyEndpoint, namespaced`,
    crd.spec.group === "networking.k8s.aws" && crd.spec.names.kind === "PolicyEndpoint" && crd.spec.scope === "Namespaced");
  const v = crd.spec.versions.find((x) => x.name === "v1alpha1");
  check(`${set}: CRD v1alpha1 served and stored, with a status subresource`,
    v?.served === true && v?.storage === true && v?.subresources?.status !== undefined);
  const spec = v?.schema?.openAPIV3Schema?.properties?.spec;
  const p = spec?.properties ?? {};
  check(`${set}: CRD spec fields`, sameSet(Object.keys(p),
    ["podSelector", "policyRef", "podIsolation", "podSelectorEndpoints", "ingress", "egress"]), Object.keys(p));
  check(`${set}: CRD policyRef {name, namespace} required`,
    spec?.required?.includes("policyRef") && sameSet(p.policyRef?.required ?? [], ["name", "namespace"]));
  check(`${set}: CRD podSelector is a LabelSelector`,
    p.podSelector?.properties?.matchLabels?.additionalProperties?.type === "string" && p.podSelector?.properties?.matchExpressions?.type === "array");
  check(`${set}: CRD podIsolation is [Ingress|Egress]`, sameSet(p.podIsolation?.items?.enum ?? [], ["Ingress", "Egress"]));
  check(`${set}: CRD podSelectorEndpoints {hostIP, podIP, name, namespace}`,
    sameSet(Object.keys(p.podSelectorEndpoints?.items?.properties ?? {}), ["hostIP", "podIP", "name", "namespace"]));
  for (const dir of ["ingress", "egress"]) {
    const info = p[dir]?.items?.properties ?? {};
    const port = info.ports?.items?.properties ?? {};
    check(`${set}: CRD ${dir} EndpointInfo {cidr, except, ports, domainName}`, sameSet(Object.keys(info), ["cidr", "except", "ports", "domainName"]));
    check(`${set}: CRD ${dir} ports {protocol TCP|UDP|SCTP default TCP, port int32, endPort int32}`,
      sameSet(port.protocol?.enum ?? [], ["TCP", "UDP", "SCTP"]) && port.protocol?.default === "TCP"
        && port.port?.format === "int32" && port.endPort?.format === "int32" && port.port?.type === "integer");
  }
  check(`${set}: CRD schema is structural (no $ref)`, !JSON.stringify(crd).includes("$ref"));
  if (set === "default") checkPolicyEndpointsAgainstCrd(set, v.schema.openAPIV3Schema);
}

// PolicyEndpoints as the EKS controller writes them must be accepted, broken ones refused.
function checkPolicyEndpointsAgainstCrd(set, schema) {
  const Ajv = require("ajv").default;
  const ajv = new Ajv({ strict: false, allErrors: true });
  require("ajv-formats").default(ajv);
  ajv.addFormat("int32", { type: "number", validate: (n) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  const validate = ajv.compile(schema);
  const good = {
    apiVersion: "networking.k8s.aws/v1alpha1", kind: "PolicyEndpoint",
    metadata: { generateName: "backend-policy-", namespace: "stars" },
    spec: {
      podSelector: { matchLabels: { role: "backend" }, matchExpressions: [{ key: "tier", operator: "In", values: ["a"] }] },
      policyRef: { name: "backend-policy", namespace: "stars" },
      podIsolation: ["Ingress", "Egress"],
      podSelectorEndpoints: [{ hostIP: "10.0.2.1", podIP: "10.0.2.7", name: "backend-5f8b", namespace: "stars" }],
      ingress: [{ cidr: "10.0.1.5/32", ports: [{ protocol: "TCP", port: 6379 }] },
        { cidr: "10.0.0.0/16", except: ["10.0.3.0/24"], ports: [{ protocol: "UDP", port: 5000, endPort: 5100 }, { port: 80 }] }],
      egress: [{ cidr: "0.0.0.0/0" }, { domainName: "example.com", ports: [{ protocol: "SCTP", port: 9000 }] }],
    },
  };
  check(`${set}: CRD accepts a PolicyEndpoint as the EKS controller writes it`, validate(good), validate.errors);
  const broken = [
    ["without policyRef", (pe) => { delete pe.spec.policyRef; }],
    ["with policyRef missing its namespace", (pe) => { delete pe.spec.policyRef.namespace; }],
    ["with protocol ICMP", (pe) => { pe.spec.ingress[0].ports[0].protocol = "ICMP"; }],
    ["with a port beyond int32", (pe) => { pe.spec.ingress[0].ports[0].port = 2 ** 31; }],
    ["with podIsolation Both", (pe) => { pe.spec.podIsolation = ["Both"]; }],
    ["with an endpoint missing podIP", (pe) => { delete pe.spec.podSelectorEndpoints[0].podIP; }],
  ];
  for (const [name, mutate] of broken) {
    const pe = structuredClone(good);
    mutate(pe);
    check(`${set}: CRD refuses a PolicyEndpoint ${name}`, !validate(pe));
  }
}

// Every object against the Kubernetes API's OpenAPI schema (types, enums, required fields; unknown
// fields are not reported). The CRD's own schema is validated as JSONSchemaProps.
async function checkApiSchemas(set, objs) {
  const problems = [];
  for (const o of objs) {
    const [group, version] = o.apiVersion.includes("/") ? o.apiVersion.split("/") : ["", o.apiVersion];
    const module = join(process.env.NPA_NODE_MODULES ?? ".", "kubernetes-models", group, version, "index.js");
    try {
      const Model = (await import(pathToFileURL(module).href))[o.kind];
      if (!Model) throw new Error(`no schema for ${o.apiVersion} ${o.kind}`);
      new Model(o).validate();
    } catch (e) {
      problems.push(`${o.kind} ${o.metadata.name}: ${String(e.message).split("\n")[0]}`);
    }
  }
  check(`${set}: every object (${objs.length}) valid against the Kubernetes API schemas`, problems.length === 0, problems.join("; "));
}

function checkCommon(set, objs) {
  check(`${set}: namespaced objects in the release namespace (or kube-system for the amazon-vpc-cni Role)`,
    objs.filter((o) => !["ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"].includes(o.kind))
      .every((o) => o.metadata.namespace === "kube-system"));
  check(`${set}: object names fit in 63 characters`, objs.every((o) => o.metadata.name.length <= 63));
  check(`${set}: every object labelled app.kubernetes.io/name`, objs.every((o) => o.metadata.labels?.["app.kubernetes.io/name"]));
  const images = objs.flatMap((o) => {
    const pod = o.kind === "Pod" ? o.spec : o.spec?.template?.spec;
    return [...(pod?.containers ?? []), ...(pod?.initContainers ?? [])].filter((c) => c.name !== "wget").map((c) => c.image);
  });
  check(`${set}: npa containers use image npa:<appVersion>`, images.length > 0 && images.every((i) => /^npa:\d+\.\d+\.\d+/.test(i)), images);
}

// ---------------------------------------------------------------------------------------------------------
const agentDefaults = [
  "--enable-network-policy=true", "--enable-policy-event-logs=false", "--enable-cloudwatch-logs=false",
  "--enable-ipv6=false", "--policy-source=policyendpoints", "--metrics-bind-addr=:8162", "--health-probe-bind-addr=:8163",
  "--conntrack-cache-cleanup-period=300", "--conntrack-cache-table-size=524288", "--log-level=info",
  "--log-file=/var/log/aws-routed-eni/network-policy-agent.log", "--log-file-max-size=200", "--log-file-max-backups=8",
];
const controllerDefaults = [
  "--endpoint-chunk-size=200", "--max-concurrent-reconciles=3", "--log-level=info", "--leader-elect=true",
  "--leader-election-namespace=kube-system", "--leader-election-id=npa-network-policy-agent-controller",
  "--enable-configmap-check=false", "--metrics-bind-addr=:8164", "--health-probe-bind-addr=:8165",
];

{
  const objs = load("default");
  await checkApiSchemas("default", objs);
  checkCommon("default", objs);
  checkCrd("default", objs);
  checkAgent("default", objs, {
    args: agentDefaults, mode: "standard", clusterName: "", healthPort: 8163, metricsPort: 8162,
    logGroup: "/aws/k8s-cluster/cluster", appArmorField: true,
  });
  checkController("default", objs, { args: controllerDefaults, leaderElection: true });
}
{
  const objs = load("strict-flow-logs");
  await checkApiSchemas("strict", objs);
  checkCommon("strict", objs);
  checkAgent("strict", objs, {
    args: agentDefaults.map((a) => a.replace(/^--enable-(policy-event-logs|cloudwatch-logs)=false$/, "--enable-$1=true")),
    mode: "strict", clusterName: "prod-east", healthPort: 8163, metricsPort: 8162,
    logGroup: "/aws/eks/prod-east/cluster", appArmorField: true,
  });
  const checksum = (set) => find(load(set), "DaemonSet", "-agent")?.spec.template.metadata.annotations["checksum/config"];
  check("strict: ConfigMap checksum differs from the default one", checksum("strict-flow-logs") !== checksum("default"));
}
{
  const objs = load("string-values");
  await checkApiSchemas("string values", objs);
  checkAgent("string values", objs, {
    args: ["--enable-network-policy=true", "--enable-policy-event-logs=true", "--enable-ipv6=true",
      "--metrics-bind-addr=:9162", "--health-probe-bind-addr=0.0.0.0:9163"],
    mode: "strict", clusterName: "", healthPort: 9163, metricsPort: 9162,
    logGroup: "/aws/k8s-cluster/cluster", appArmorField: true,
  });
  checkController("string values", objs, { args: ["--leader-elect=false"], leaderElection: false });
}
{
  const objs = load("kube-1.29");
  await checkApiSchemas("kube 1.29", objs);
  checkAgent("kube 1.29", objs, {
    args: agentDefaults, mode: "standard", clusterName: "", healthPort: 8163, metricsPort: 8162,
    logGroup: "/aws/k8s-cluster/cluster", appArmorField: false,
  });
}
{
  const objs = load("controller-only");
  await checkApiSchemas("controller only", objs);
  check("controller only: no DaemonSet, agent RBAC or test pod",
    !find(objs, "DaemonSet") && !find(objs, "ClusterRole", "-agent") && !objs.some((o) => o.kind === "Pod"));
  checkController("controller only", objs, { args: controllerDefaults, leaderElection: true });
  checkCrd("controller only", objs);
}
{
  const objs = load("networkpolicies");
  await checkApiSchemas("networkpolicies", objs);
  checkCommon("networkpolicies", objs);
  checkAgent("networkpolicies", objs, {
    args: agentDefaults.map((a) => a.replace("--policy-source=policyendpoints", "--policy-source=networkpolicies")),
    mode: "standard", clusterName: "", healthPort: 8163, metricsPort: 8162,
    logGroup: "/aws/k8s-cluster/cluster", appArmorField: true, policySource: "networkpolicies",
  });
  check("networkpolicies: controller.enabled=false leaves no controller Deployment, RBAC, ServiceAccount or lease Role",
    !find(objs, "Deployment") && !find(objs, "ClusterRole", "-controller") && !find(objs, "ServiceAccount", "-controller")
      && !objs.some((o) => o.kind === "Role"));
}
{
  const objs = load("aws-vpc-cni-values");
  await checkApiSchemas("aws-vpc-cni values", objs);
  checkCommon("aws-vpc-cni values", objs);
  checkAgent("aws-vpc-cni values", objs, {
    args: agentDefaults.map((a) => a.replace("--log-level=info", "--log-level=debug")
      .replace("--enable-policy-event-logs=false", "--enable-policy-event-logs=true")),
    mode: "standard", clusterName: "", healthPort: 8163, metricsPort: 8162,
    logGroup: "/aws/k8s-cluster/cluster", appArmorField: true,
  });
  const agent = container(find(objs, "DaemonSet", "-agent")?.spec.template.spec, "agent");
  check("aws-vpc-cni values: that chart's CNI env keys are not passed to the agent",
    !(agent?.env ?? []).some((e) => e.name === "AWS_VPC_K8S_CNI_LOGLEVEL" || e.name === "WARM_ENI_TARGET"));
}
process.exit(failures === 0 ? 0 : 1);

// ---------------------------------------------------------------------------------------------------------
// Minimal zip reader: finds ENTRY through the central directory and inflates it to DEST.
function extract(zipPath, entry, dest) {
  const zip = readFileSync(zipPath);
  let eocd = zip.length - 22;
  while (eocd >= 0 && zip.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error(`${zipPath}: not a zip file (no end of central directory)`);
  let at = zip.readUInt32LE(eocd + 16);
  const count = zip.readUInt16LE(eocd + 10);
  for (let i = 0; i < count; i++) {
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString("utf8", at + 46, at + 46 + nameLength);
    if (name === entry) {
      const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(dataStart, dataStart + compressed);
      writeFileSync(dest, method === 0 ? data : inflateRawSync(data));
      chmodSync(dest, 0o755);
      return;
    }
    at += 46 + nameLength + extraLength + commentLength;
  }
  throw new Error(`${zipPath}: no entry ${entry}`);
}
