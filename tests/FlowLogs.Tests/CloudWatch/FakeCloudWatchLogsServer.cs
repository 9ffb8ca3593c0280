using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Npa.FlowLogs.Tests.CloudWatch;

/// <summary>
/// An in-process CloudWatch Logs endpoint on 127.0.0.1 (Kestrel) that checks the protocol on every
/// call: method and path, X-Amz-Target, content type, X-Amz-Date, a SigV4 Authorization header whose
/// signature it recomputes from the shared secret, and the PutLogEvents limits (count, bytes, order,
/// 24-hour span). Faults can be injected: throttling, 500s, an outage, a deleted stream, rejected events.
/// </summary>
public sealed partial class FakeCloudWatchLogsServer : IAsyncDisposable
{
    public const string AccessKey = "AKIDNPATESTKEY000001";
    public const string SecretKey = "npa-test-secret-key/0123456789abcdefghij";
    public const string Region = "us-west-2";

    private readonly WebApplication _app;
    private readonly object _gate = new();
    private readonly HashSet<string> _groups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _streams = new(StringComparer.Ordinal);
    private int _throttleNext;
    private int _failNext;
    private int _garbleNext;
    private int _rejectTooOldNext;

    private FakeCloudWatchLogsServer(WebApplication app)
    {
        _app = app;
    }

    public Uri Endpoint { get; private set; } = null!;

    /// <summary>Every protocol violation seen (tests assert it stays empty).</summary>
    public ConcurrentQueue<string> Violations { get; } = new();

    public ConcurrentDictionary<string, int> Calls { get; } = new(StringComparer.Ordinal);

    /// <summary>While true every call answers 503 ServiceUnavailableException.</summary>
    public volatile bool Outage;

    /// <summary>While true every PutLogEvents call answers ThrottlingException.</summary>
    public volatile bool Throttling;

    public int PutCalls => Calls.GetValueOrDefault("PutLogEvents");

    /// <summary>SignedHeaders of the last call that carried a well-formed Authorization header.</summary>
    public string LastSignedHeaders { get; private set; } = "";

    public static async Task<FakeCloudWatchLogsServer> StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        WebApplication app = builder.Build();
        FakeCloudWatchLogsServer server = new(app);
        app.Run(server.HandleAsync);
        await app.StartAsync().ConfigureAwait(false);
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Endpoint = new Uri(address.EndsWith('/') ? address : address + "/");
        return server;
    }

    public void ThrottleNext(int calls) => Interlocked.Add(ref _throttleNext, calls);

    public void FailNext(int calls) => Interlocked.Add(ref _failNext, calls);

    /// <summary>The next <paramref name="calls"/> PutLogEvents calls get 200 with a body that is not JSON (as from a misbehaving proxy); nothing is stored.</summary>
    public void GarbleNext(int calls) => Interlocked.Add(ref _garbleNext, calls);

    public void RejectTooOldNext(int events) => Interlocked.Exchange(ref _rejectTooOldNext, events);

    public void AddGroup(string group)
    {
        lock (_gate)
        {
            _groups.Add(group);
        }
    }

    public void DeleteStream(string group, string stream)
    {
        lock (_gate)
        {
            _streams.Remove(group + ":" + stream);
        }
    }

    public bool HasGroup(string group)
    {
        lock (_gate)
        {
            return _groups.Contains(group);
        }
    }

    /// <summary>Messages stored in a stream, in arrival order.</summary>
    public IReadOnlyList<string> Messages(string group, string stream)
    {
        lock (_gate)
        {
            return _streams.TryGetValue(group + ":" + stream, out var list) ? [.. list] : [];
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private async Task HandleAsync(HttpContext context)
    {
        HttpRequest request = context.Request;
        using MemoryStream bodyStream = new();
        await request.Body.CopyToAsync(bodyStream).ConfigureAwait(false);
        byte[] body = bodyStream.ToArray();

        string target = request.Headers["X-Amz-Target"].ToString();
        string operation = target.StartsWith("Logs_20140328.", StringComparison.Ordinal) ? target["Logs_20140328.".Length..] : "";
        Calls.AddOrUpdate(operation.Length == 0 ? "(none)" : operation, 1, static (_, n) => n + 1);

        string? problem = CheckProtocol(request, body, operation);
        if (problem is not null)
        {
            Violations.Enqueue(problem);
            await ErrorAsync(context, 400, "InvalidSignatureException", problem).ConfigureAwait(false);
            return;
        }

        if (Outage)
        {
            await ErrorAsync(context, 503, "ServiceUnavailableException", "outage").ConfigureAwait(false);
            return;
        }

        if (operation == "PutLogEvents" && (Throttling || TryTake(ref _throttleNext)))
        {
            await ErrorAsync(context, 400, "ThrottlingException", "Rate exceeded").ConfigureAwait(false);
            return;
        }

        if (operation == "PutLogEvents" && TryTake(ref _garbleNext))
        {
            context.Response.StatusCode = 200;
            await context.Response.WriteAsync("<html>gateway</html>").ConfigureAwait(false);
            return;
        }

        if (TryTake(ref _failNext))
        {
            await ErrorAsync(context, 500, "InternalFailure", "injected").ConfigureAwait(false);
            return;
        }

        using JsonDocument doc = JsonDocument.Parse(body);
        JsonElement root = doc.RootElement;
        switch (operation)
        {
            case "DescribeLogGroups":
            {
                string prefix = root.TryGetProperty("logGroupNamePrefix", out var p) ? p.GetString() ?? "" : "";
                string[] names;
                lock (_gate)
                {
                    names = [.. _groups.Where(g => g.StartsWith(prefix, StringComparison.Ordinal))];
                }

                await OkAsync(context, new { logGroups = names.Select(n => new { logGroupName = n }) }).ConfigureAwait(false);
                return;
            }

            case "CreateLogGroup":
            {
                string group = root.GetProperty("logGroupName").GetString()!;
                bool added;
                lock (_gate)
                {
                    added = _groups.Add(group);
                }

                await (added ? OkAsync(context, new { }) : ErrorAsync(context, 400, "ResourceAlreadyExistsException", "group exists")).ConfigureAwait(false);
                return;
            }

            case "CreateLogStream":
            {
                string group = root.GetProperty("logGroupName").GetString()!;
                string key = group + ":" + root.GetProperty("logStreamName").GetString();
                int result;
                lock (_gate)
                {
                    result = !_groups.Contains(group) ? 1 : _streams.TryAdd(key, []) ? 0 : 2;
                }

                await (result switch
                {
                    0 => OkAsync(context, new { }),
                    1 => ErrorAsync(context, 400, "ResourceNotFoundException", "group missing"),
                    _ => ErrorAsync(context, 400, "ResourceAlreadyExistsException", "stream exists"),
                }).ConfigureAwait(false);
                return;
            }

            case "PutLogEvents":
                await PutAsync(context, root).ConfigureAwait(false);
                return;

            default:
                Violations.Enqueue($"unknown operation '{target}'");
                await ErrorAsync(context, 400, "UnknownOperationException", target).ConfigureAwait(false);
                return;
        }
    }

    private async Task PutAsync(HttpContext context, JsonElement root)
    {
        string key = root.GetProperty("logGroupName").GetString() + ":" + root.GetProperty("logStreamName").GetString();
        JsonElement events = root.GetProperty("logEvents");
        int count = events.GetArrayLength();
        long bytes = 0;
        long first = long.MinValue;
        long previous = long.MinValue;
        List<string> messages = new(count);
        foreach (JsonElement e in events.EnumerateArray())
        {
            long ts = e.GetProperty("timestamp").GetInt64();
            string message = e.GetProperty("message").GetString()!;
            bytes += Encoding.UTF8.GetByteCount(message) + 26;
            if (ts < previous)
            {
                Violations.Enqueue($"PutLogEvents events out of chronological order ({ts} after {previous})");
            }

            first = first == long.MinValue ? ts : first;
            if (ts - first > (long)TimeSpan.FromHours(24).TotalMilliseconds)
            {
                Violations.Enqueue("PutLogEvents batch spans more than 24 hours");
            }

            previous = ts;
            messages.Add(message);
        }

        if (count == 0 || count > 10_000)
        {
            Violations.Enqueue($"PutLogEvents with {count} events");
        }

        if (bytes > 1_048_576)
        {
            Violations.Enqueue($"PutLogEvents batch of {bytes} bytes");
        }

        int rejectOld = Interlocked.Exchange(ref _rejectTooOldNext, 0);
        rejectOld = Math.Min(rejectOld, count);
        bool found;
        lock (_gate)
        {
            found = _streams.TryGetValue(key, out var stored);
            if (found)
            {
                stored!.AddRange(messages.Skip(rejectOld));
            }
        }

        if (!found)
        {
            await ErrorAsync(context, 400, "ResourceNotFoundException", "The specified log stream does not exist.").ConfigureAwait(false);
            return;
        }

        if (rejectOld > 0)
        {
            await OkAsync(context, new { nextSequenceToken = "1", rejectedLogEventsInfo = new { tooOldLogEventEndIndex = rejectOld } }).ConfigureAwait(false);
            return;
        }

        await OkAsync(context, new { nextSequenceToken = "1" }).ConfigureAwait(false);
    }

    private static bool TryTake(ref int counter)
    {
        while (true)
        {
            int n = Volatile.Read(ref counter);
            if (n <= 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref counter, n - 1, n) == n)
            {
                return true;
            }
        }
    }

    [GeneratedRegex(@"^AWS4-HMAC-SHA256 Credential=(?<key>[A-Z0-9]+)/(?<date>\d{8})/(?<region>[a-z0-9-]+)/logs/aws4_request, SignedHeaders=(?<headers>[a-z0-9;-]+), Signature=(?<sig>[0-9a-f]{64})$")]
    private static partial Regex AuthorizationShape();

    /// <summary>Returns what is wrong with the request, or null.</summary>
    private string? CheckProtocol(HttpRequest request, byte[] body, string operation)
    {
        if (request.Method != "POST" || request.Path != "/")
        {
            return $"expected POST /, got {request.Method} {request.Path}";
        }

        if (operation.Length == 0)
        {
            return $"X-Amz-Target '{request.Headers["X-Amz-Target"]}' does not start with Logs_20140328.";
        }

        if (request.ContentType != "application/x-amz-json-1.1")
        {
            return $"Content-Type is '{request.ContentType}', expected application/x-amz-json-1.1";
        }

        string amzDate = request.Headers["X-Amz-Date"].ToString();
        if (!DateTime.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out _))
        {
            return $"X-Amz-Date '{amzDate}' is not yyyyMMddTHHmmssZ";
        }

        Match m = AuthorizationShape().Match(request.Headers.Authorization.ToString());
        if (!m.Success)
        {
            return $"Authorization '{request.Headers.Authorization}' is not SigV4 shaped";
        }

        if (m.Groups["key"].Value != AccessKey || m.Groups["region"].Value != Region || m.Groups["date"].Value != amzDate[..8])
        {
            return $"credential scope '{m.Value}' does not match key, region or X-Amz-Date";
        }

        string[] signedHeaders = m.Groups["headers"].Value.Split(';');
        LastSignedHeaders = m.Groups["headers"].Value;
        foreach (string required in new[] { "content-type", "host", "x-amz-date", "x-amz-target" })
        {
            if (!signedHeaders.Contains(required))
            {
                return $"SignedHeaders lacks {required}";
            }
        }

        // Recompute the signature from what arrived.
        StringBuilder canonical = new();
        canonical.Append("POST\n/\n\n");
        foreach (string name in signedHeaders)
        {
            string value = name == "host" ? request.Host.Value! : request.Headers[name].ToString();
            canonical.Append(name).Append(':').Append(value.Trim()).Append('\n');
        }

        canonical.Append('\n').Append(m.Groups["headers"].Value).Append('\n').Append(Convert.ToHexStringLower(SHA256.HashData(body)));
        string scope = $"{amzDate[..8]}/{Region}/logs/aws4_request";
        string toSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())))}";
        byte[] k = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + SecretKey), Encoding.UTF8.GetBytes(amzDate[..8]));
        k = HMACSHA256.HashData(k, Encoding.UTF8.GetBytes(Region));
        k = HMACSHA256.HashData(k, "logs"u8.ToArray());
        k = HMACSHA256.HashData(k, "aws4_request"u8.ToArray());
        string expected = Convert.ToHexStringLower(HMACSHA256.HashData(k, Encoding.UTF8.GetBytes(toSign)));
        return expected == m.Groups["sig"].Value ? null : "SigV4 signature does not verify";
    }

    private static Task OkAsync(HttpContext context, object value)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/x-amz-json-1.1";
        return context.Response.WriteAsync(JsonSerializer.Serialize(value));
    }

    private static Task ErrorAsync(HttpContext context, int status, string type, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/x-amz-json-1.1";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, string> { ["__type"] = type, ["message"] = message }));
    }
}
