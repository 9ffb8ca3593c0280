using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Npa.Host.Daemons;

/// <summary>
/// <c>--enable-configmap-check</c>: the controller publishes only while ConfigMap
/// <c>kube-system/amazon-vpc-cni</c> has <c>enable-network-policy-controller: "true"</c>, as the EKS
/// controller does. <see cref="WaitUntilEnabledAsync"/> polls until it does.
/// </summary>
public sealed class ConfigMapGate(IKubernetes client, ILogger logger, TimeProvider time)
{
    public const string Namespace = "kube-system";
    public const string Name = "amazon-vpc-cni";
    public const string Key = "enable-network-policy-controller";

    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(30);

    /// <summary>True when the ConfigMap's data turns the controller on ("true", any case).</summary>
    public static bool IsEnabled(IDictionary<string, string>? data) =>
        data is not null && data.TryGetValue(Key, out string? value) && string.Equals(value?.Trim(), "true", StringComparison.OrdinalIgnoreCase);

    public async Task WaitUntilEnabledAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            IDictionary<string, string>? data = null;
            try
            {
                V1ConfigMap map = await client.CoreV1.ReadNamespacedConfigMapAsync(Name, Namespace, cancellationToken: cancellationToken);
                data = map.Data;
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                data = null;
            }
            catch (HttpOperationException ex)
            {
                // Forbidden (RBAC), a server error, a throttled request: say so and keep polling, never crash.
                DaemonLog.ConfigMapUnreadable(logger, Namespace, Name,
                    ex.Response.StatusCode == System.Net.HttpStatusCode.Forbidden
                        ? $"forbidden: the controller's service account needs 'get' on configmaps/{Name} in {Namespace} (the chart grants it)"
                        : $"HTTP {(int)ex.Response.StatusCode}: {ex.Message}");
            }
            catch (HttpRequestException ex)
            {
                DaemonLog.ConfigMapUnreadable(logger, Namespace, Name, ex.Message);
            }

            if (IsEnabled(data))
            {
                return;
            }

            DaemonLog.ConfigMapDisabled(logger, Namespace, Name, Key);
            await Task.Delay(PollInterval, time, cancellationToken);
        }
    }
}
