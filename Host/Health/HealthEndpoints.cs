using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Npa.Host.Health;

/// <summary><c>/healthz</c> (the process serves requests) and <c>/readyz</c> (<see cref="PipelineReadiness"/>).</summary>
public static class HealthEndpoints
{
    public static void MapHealth(this IEndpointRouteBuilder endpoints, PipelineReadiness readiness)
    {
        endpoints.MapGet("/healthz", () => Results.Text("ok\n"));
        endpoints.MapGet("/readyz", () => readiness.IsReady
            ? Results.Text("ready\n")
            : Results.Text(readiness.Describe() + "\n", statusCode: StatusCodes.Status503ServiceUnavailable));
    }
}
