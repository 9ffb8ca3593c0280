using Npa.Resolver.Model;

namespace Npa.Resolver.Resolution;

/// <summary>Resolves a named port against the container ports one pod declares.</summary>
public static class NamedPortResolver
{
    /// <summary>The port numbers <paramref name="pod"/> declares under <paramref name="name"/> for <paramref name="protocol"/>, ascending.</summary>
    public static IReadOnlyList<int> Resolve(PodInfo pod, string name, Protocol protocol)
    {
        ArgumentNullException.ThrowIfNull(pod);
        List<int>? found = null;
        foreach (ContainerPort port in pod.Ports)
        {
            if (port.Name == name && port.Protocol == protocol && (found is null || !found.Contains(port.Port)))
            {
                (found ??= []).Add(port.Port);
            }
        }

        if (found is null)
        {
            return [];
        }

        found.Sort();
        return found;
    }

    /// <summary>The port a Service port forwards to on one backing pod, or null when the pod lacks the named target.</summary>
    public static int? TargetOn(ServicePort servicePort, PodInfo pod)
    {
        ArgumentNullException.ThrowIfNull(servicePort);
        if (servicePort.TargetPortName is not null)
        {
            int? lowest = null;
            foreach (ContainerPort port in pod.Ports)
            {
                if (port.Name == servicePort.TargetPortName && port.Protocol == servicePort.Protocol && (lowest is null || port.Port < lowest))
                {
                    lowest = port.Port;
                }
            }

            return lowest;
        }

        return servicePort.TargetPort ?? servicePort.Port;
    }
}
