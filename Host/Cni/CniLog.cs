using Microsoft.Extensions.Logging;
using Npa.Enforcer;
using Npa.Host.Options;
using Npa.Resolver.Model;

namespace Npa.Host.Cni;

/// <summary>Log messages of the CNI handshake (EventIds 2200–2219).</summary>
internal static partial class CniLog
{
    [LoggerMessage(EventId = 2200, Level = LogLevel.Information, Message = "CNI ADD: pod {Pod} enforced in {Mode} mode on {Veths}")]
    public static partial void Enforced(ILogger logger, ObjectRef pod, EnforcingMode mode, IReadOnlyList<string> veths);

    [LoggerMessage(EventId = 2201, Level = LogLevel.Information, Message = "CNI DEL: pod {Pod} removed (known: {Known})")]
    public static partial void Deleted(ILogger logger, ObjectRef pod, bool known);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Warning, Message = "CNI {Call}: request without pod namespace/name ('{Namespace}'/'{PodName}')")]
    public static partial void BadRequest(ILogger logger, string call, string @namespace, string podName);

    [LoggerMessage(EventId = 2203, Level = LogLevel.Warning, Message = "CNI ADD: pod {Pod} asks for unknown NETWORK_POLICY_MODE '{Mode}'")]
    public static partial void BadMode(ILogger logger, ObjectRef pod, string mode);

    [LoggerMessage(EventId = 2204, Level = LogLevel.Error, Message = "CNI {Call} failed for pod {Pod}")]
    public static partial void Failed(ILogger logger, Exception exception, string call, ObjectRef pod);
}
