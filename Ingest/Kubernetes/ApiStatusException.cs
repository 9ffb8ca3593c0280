using System.Net;

namespace Npa.Ingest.Kubernetes;

/// <summary>The API server answered with an error status (HTTP status or a Status object in a watch).</summary>
public sealed class ApiStatusException : Exception
{
    public ApiStatusException(HttpStatusCode status, string? reason, string message, ApiAccessProblem? access = null)
        : base(message)
    {
        Status = status;
        Reason = reason;
        Access = access;
    }

    /// <summary>Set when the refusal is a missing permission or an unserved resource (see <see cref="ApiAccessProblem"/>).</summary>
    public ApiAccessProblem? Access { get; }

    public HttpStatusCode Status { get; }

    /// <summary>The Status object's <c>reason</c>, e.g. <c>Expired</c> or <c>Gone</c>.</summary>
    public string? Reason { get; }

    /// <summary>410 Gone / Expired: the requested resourceVersion is too old; relist.</summary>
    public bool IsGone => Status == HttpStatusCode.Gone || Reason is "Expired" or "Gone";

    /// <summary>Worth retrying the same request later: throttling, server errors, timeouts.</summary>
    public bool IsTransient =>
        Status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout or HttpStatusCode.GatewayTimeout ||
        (int)Status >= 500;
}
