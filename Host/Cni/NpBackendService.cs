using Grpc.Core;
using Microsoft.Extensions.Logging;
using Npa.Enforcer;
using Npa.Host.Cni.Rpc;
using Npa.Host.Options;
using Npa.Host.Stages;
using Npa.Resolver.Model;

namespace Npa.Host.Cni;

/// <summary>
/// <c>rpc.NPBackend</c>, called by the CNI plugin while it sets up (ADD) and tears down (DEL) a pod's
/// network. EnforceNpToPod returns only once the pod's host veths carry a program; in strict mode
/// that program denies everything until the pod's policy is programmed. A failure answers
/// <c>Success = false</c>, which fails the pod's set-up rather than leaving it unenforced.
/// </summary>
public sealed class NpBackendService(IPodEnforcer enforcer, AgentOptions options, ILogger<NpBackendService> logger) : NPBackend.NPBackendBase
{
    public override Task<EnforceNpReply> EnforceNpToPod(EnforceNpRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrEmpty(request.K8SPODNAME) || string.IsNullOrEmpty(request.K8SPODNAMESPACE))
        {
            CniLog.BadRequest(logger, nameof(EnforceNpToPod), request.K8SPODNAMESPACE, request.K8SPODNAME);
            return Task.FromResult(new EnforceNpReply { Success = false });
        }

        ObjectRef pod = new(request.K8SPODNAMESPACE, request.K8SPODNAME);
        EnforcingMode mode = string.IsNullOrEmpty(request.NETWORKPOLICYMODE) ? options.EnforcingMode : AgentOptions.ParseMode(request.NETWORKPOLICYMODE);
        if (mode == EnforcingMode.Unknown)
        {
            CniLog.BadMode(logger, pod, request.NETWORKPOLICYMODE);
            return Task.FromResult(new EnforceNpReply { Success = false });
        }

        IReadOnlyList<string> veths = HostVethName.All(pod.Namespace, pod.Name, request.InterfaceCount);
        try
        {
            enforcer.EnsurePod(pod, veths, mode);
            CniLog.Enforced(logger, pod, mode, veths);
            return Task.FromResult(new EnforceNpReply { Success = true });
        }
        catch (Exception ex)
        {
            CniLog.Failed(logger, ex, nameof(EnforceNpToPod), pod);
            return Task.FromResult(new EnforceNpReply { Success = false });
        }
    }

    public override Task<DeleteNpReply> DeletePodNp(DeleteNpRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrEmpty(request.K8SPODNAME) || string.IsNullOrEmpty(request.K8SPODNAMESPACE))
        {
            CniLog.BadRequest(logger, nameof(DeletePodNp), request.K8SPODNAMESPACE, request.K8SPODNAME);
            return Task.FromResult(new DeleteNpReply { Success = false });
        }

        ObjectRef pod = new(request.K8SPODNAMESPACE, request.K8SPODNAME);
        try
        {
            bool known = enforcer.RemovePod(pod);
            CniLog.Deleted(logger, pod, known);
            return Task.FromResult(new DeleteNpReply { Success = true });
        }
        catch (Exception ex)
        {
            CniLog.Failed(logger, ex, nameof(DeletePodNp), pod);
            return Task.FromResult(new DeleteNpReply { Success = false });
        }
    }
}
