using System.Net;
using Npa.Resolver.Model;
using YamlDotNet.RepresentationModel;

namespace Npa.Host.Lab.Pipeline;

/// <summary>
/// A small reader of Namespace and Pod manifests (what the lab topology needs): labels, status.podIP(s),
/// container ports. Other kinds are reported, not read. Used when the full manifest reader is absent.
/// </summary>
public sealed class PodManifestSource : ILabClusterSource
{
    public LabCluster Read(string directory)
    {
        List<NamespaceInfo> namespaces = [];
        List<PodInfo> pods = [];
        List<Diagnostic> diagnostics = [];
        foreach (string file in LabContentHash.ManifestFiles(directory))
        {
            YamlStream stream = [];
            try
            {
                using StreamReader reader = new(file);
                stream.Load(reader);
            }
            catch (Exception e) when (e is YamlDotNet.Core.YamlException or IOException)
            {
                diagnostics.Add(Diagnostic.Error("File", null, file, "", $"not valid YAML: {e.Message}"));
                continue;
            }

            foreach (YamlDocument doc in stream.Documents)
            {
                if (doc.RootNode is not YamlMappingNode root)
                {
                    continue;
                }

                string kind = Scalar(root, "kind") ?? "";
                YamlMappingNode? meta = Map(root, "metadata");
                string name = (meta is null ? null : Scalar(meta, "name")) ?? "";
                string ns = (meta is null ? null : Scalar(meta, "namespace")) ?? "default";
                Dictionary<string, string> labels = Labels(meta);
                switch (kind)
                {
                    case "Namespace":
                        namespaces.Add(new NamespaceInfo(name, labels));
                        break;
                    case "Pod":
                        pods.Add(ReadPod(root, ns, name, labels, diagnostics));
                        break;
                    default:
                        diagnostics.Add(Diagnostic.Warning(kind, ns, name, "", "not read: this build of the lab reads only Namespace and Pod"));
                        break;
                }
            }
        }

        return new LabCluster(namespaces, pods, [], diagnostics);
    }

    private static PodInfo ReadPod(YamlMappingNode root, string ns, string name, Dictionary<string, string> labels, List<Diagnostic> diagnostics)
    {
        List<IPAddress> ips = [];
        YamlMappingNode? status = Map(root, "status");
        List<string> texts = [];
        if (status is not null)
        {
            if (Scalar(status, "podIP") is { } one)
            {
                texts.Add(one);
            }

            if (status.Children.TryGetValue(new YamlScalarNode("podIPs"), out YamlNode? list) && list is YamlSequenceNode seq)
            {
                texts.AddRange(seq.OfType<YamlMappingNode>().Select(m => Scalar(m, "ip")).OfType<string>());
            }
        }

        foreach (string t in texts.Distinct())
        {
            if (IPAddress.TryParse(t, out IPAddress? ip))
            {
                ips.Add(ip);
            }
            else
            {
                diagnostics.Add(Diagnostic.Error("Pod", ns, name, "status.podIPs", $"'{t}' is not an IP address"));
            }
        }

        List<ContainerPort> ports = [];
        if (Map(root, "spec") is { } spec && spec.Children.TryGetValue(new YamlScalarNode("containers"), out YamlNode? cs) && cs is YamlSequenceNode containers)
        {
            foreach (YamlMappingNode c in containers.OfType<YamlMappingNode>())
            {
                if (!c.Children.TryGetValue(new YamlScalarNode("ports"), out YamlNode? ps) || ps is not YamlSequenceNode portList)
                {
                    continue;
                }

                foreach (YamlMappingNode p in portList.OfType<YamlMappingNode>())
                {
                    string proto = Scalar(p, "protocol") ?? "TCP";
                    Protocol protocol = proto.ToUpperInvariant() switch
                    {
                        "TCP" => Protocol.Tcp,
                        "UDP" => Protocol.Udp,
                        "SCTP" => Protocol.Sctp,
                        _ => Protocol.Unknown,
                    };
                    if (!int.TryParse(Scalar(p, "containerPort"), out int number) || number is < 1 or > 65535 || protocol == Protocol.Unknown)
                    {
                        diagnostics.Add(Diagnostic.Error("Pod", ns, name, "spec.containers[].ports[]", $"port {Scalar(p, "containerPort")}/{proto} is not a valid container port"));
                        continue;
                    }

                    ports.Add(new ContainerPort(Scalar(p, "name"), number, protocol));
                }
            }
        }

        return new PodInfo(ns, name, labels, ips, ports);
    }

    private static Dictionary<string, string> Labels(YamlMappingNode? meta)
    {
        Dictionary<string, string> labels = new(StringComparer.Ordinal);
        if (meta is not null && Map(meta, "labels") is { } l)
        {
            foreach ((YamlNode k, YamlNode v) in l.Children)
            {
                labels[((YamlScalarNode)k).Value ?? ""] = (v as YamlScalarNode)?.Value ?? "";
            }
        }

        return labels;
    }

    private static string? Scalar(YamlMappingNode m, string key) =>
        m.Children.TryGetValue(new YamlScalarNode(key), out YamlNode? n) && n is YamlScalarNode s ? s.Value : null;

    private static YamlMappingNode? Map(YamlMappingNode m, string key) =>
        m.Children.TryGetValue(new YamlScalarNode(key), out YamlNode? n) ? n as YamlMappingNode : null;
}
