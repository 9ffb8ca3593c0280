using System.Buffers;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.Runtime.Internal.Auth;

namespace Npa.FlowLogs.CloudWatch;

/// <summary>
/// A small CloudWatch Logs client: the four calls flow logs need, over the JSON 1.1 protocol
/// (<c>X-Amz-Target: Logs_20140328.&lt;Operation&gt;</c>), signed with SigV4 by the AWS SDK's signer.
/// </summary>
public sealed class CloudWatchLogsClient
{
    public const string ServiceName = "logs";
    public const string TargetPrefix = "Logs_20140328.";
    public const string ContentType = "application/x-amz-json-1.1";

    private readonly HttpClient _http;
    private readonly IAwsCredentialSource _credentials;
    private readonly TimeProvider _time;

    public CloudWatchLogsClient(HttpClient http, Uri endpoint, string region, IAwsCredentialSource credentials, TimeProvider? time = null)
    {
        if (string.IsNullOrWhiteSpace(region))
        {
            throw new ArgumentException("an AWS region is needed to sign CloudWatch Logs requests (set AWS_REGION or the region option)", nameof(region));
        }

        _http = http;
        Endpoint = endpoint;
        Region = region;
        _credentials = credentials;
        _time = time ?? TimeProvider.System;
    }

    public Uri Endpoint { get; }

    public string Region { get; }

    /// <summary>The endpoint to use: an explicit option, else <c>AWS_ENDPOINT_URL_CLOUDWATCH_LOGS</c>, else <c>AWS_ENDPOINT_URL</c>, else the regional one.</summary>
    public static Uri ResolveEndpoint(string region, string? configured)
    {
        string? text = configured;
        if (string.IsNullOrWhiteSpace(text))
        {
            text = Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS");
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            text = Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL");
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            string suffix = region.StartsWith("cn-", StringComparison.Ordinal) ? "amazonaws.com.cn" : "amazonaws.com";
            text = $"https://logs.{region}.{suffix}";
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"CloudWatch Logs endpoint '{text}' is not an absolute http(s) URL");
        }

        return uri;
    }

    /// <summary>Log group names starting with <paramref name="prefix"/> (first page is enough: the prefix is the full name).</summary>
    public async Task<IReadOnlyList<string>> DescribeLogGroupsAsync(string prefix, CancellationToken cancellationToken)
    {
        byte[] body = Json(w => w.WriteString("logGroupNamePrefix", prefix));
        using JsonDocument doc = await SendAsync("DescribeLogGroups", body, cancellationToken).ConfigureAwait(false);
        List<string> names = [];
        if (doc.RootElement.TryGetProperty("logGroups", out JsonElement groups) && groups.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement g in groups.EnumerateArray())
            {
                if (g.TryGetProperty("logGroupName", out JsonElement name) && name.GetString() is { } s)
                {
                    names.Add(s);
                }
            }
        }

        return names;
    }

    public async Task CreateLogGroupAsync(string logGroup, CancellationToken cancellationToken)
    {
        byte[] body = Json(w => w.WriteString("logGroupName", logGroup));
        (await SendAsync("CreateLogGroup", body, cancellationToken).ConfigureAwait(false)).Dispose();
    }

    public async Task CreateLogStreamAsync(string logGroup, string logStream, CancellationToken cancellationToken)
    {
        byte[] body = Json(w =>
        {
            w.WriteString("logGroupName", logGroup);
            w.WriteString("logStreamName", logStream);
        });
        (await SendAsync("CreateLogStream", body, cancellationToken).ConfigureAwait(false)).Dispose();
    }

    /// <summary>Sends one batch; the caller has ordered it and kept it within <see cref="CloudWatchLimits"/>.</summary>
    public async Task<PutLogEventsResult> PutLogEventsAsync(string logGroup, string logStream, IReadOnlyList<LogEvent> events, CancellationToken cancellationToken)
    {
        byte[] body = Json(w =>
        {
            w.WriteString("logGroupName", logGroup);
            w.WriteString("logStreamName", logStream);
            w.WriteStartArray("logEvents");
            for (int i = 0; i < events.Count; i++)
            {
                w.WriteStartObject();
                w.WriteNumber("timestamp", events[i].TimestampMs);
                w.WriteString("message", events[i].Message);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
        using JsonDocument doc = await SendAsync("PutLogEvents", body, cancellationToken).ConfigureAwait(false);
        if (!doc.RootElement.TryGetProperty("rejectedLogEventsInfo", out JsonElement info) || info.ValueKind != JsonValueKind.Object)
        {
            return PutLogEventsResult.AllAccepted;
        }

        return new PutLogEventsResult(Index(info, "tooNewLogEventStartIndex"), Index(info, "tooOldLogEventEndIndex"), Index(info, "expiredLogEventEndIndex"));
    }

    private static int? Index(JsonElement info, string name) =>
        info.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;

    private static byte[] Json(Action<Utf8JsonWriter> write)
    {
        ArrayBufferWriter<byte> buffer = new(256);
        using (Utf8JsonWriter writer = new(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private async Task<JsonDocument> SendAsync(string operation, byte[] body, CancellationToken cancellationToken)
    {
        ImmutableCredentials credentials = await _credentials.GetAsync(cancellationToken).ConfigureAwait(false);
        using HttpRequestMessage request = new(HttpMethod.Post, Endpoint);
        ByteArrayContent content = new(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(ContentType);
        request.Content = content;
        Sign(request, operation, body, credentials, _time.GetUtcNow().UtcDateTime);

        using HttpResponseMessage response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        byte[] answer = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw ToException(operation, response, answer);
        }

        return answer.Length == 0 ? JsonDocument.Parse("{}") : JsonDocument.Parse(answer);
    }

    /// <summary>Adds X-Amz-Date, X-Amz-Target, the session token if any, and a SigV4 Authorization header.</summary>
    internal void Sign(HttpRequestMessage request, string operation, byte[] body, ImmutableCredentials credentials, DateTime signedAt)
    {
        string amzDate = signedAt.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        string target = TargetPrefix + operation;
        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        SortedDictionary<string, string> signed = new(StringComparer.Ordinal)
        {
            ["content-type"] = ContentType,
            ["host"] = Endpoint.IsDefaultPort ? Endpoint.Host : Endpoint.Authority,
            ["x-amz-date"] = amzDate,
            ["x-amz-target"] = target,
        };
        if (credentials.UseToken)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Security-Token", credentials.Token);
            signed["x-amz-security-token"] = credentials.Token;
        }

        string signedHeaders = string.Join(';', signed.Keys);
        StringBuilder canonical = new();
        canonical.Append("POST\n");
        canonical.Append(string.IsNullOrEmpty(Endpoint.AbsolutePath) ? "/" : Endpoint.AbsolutePath).Append('\n');
        canonical.Append('\n'); // no query string
        foreach (var (name, value) in signed)
        {
            canonical.Append(name).Append(':').Append(value.Trim()).Append('\n');
        }

        canonical.Append('\n').Append(signedHeaders).Append('\n');
        canonical.Append(Convert.ToHexStringLower(SHA256.HashData(body)));

        AWS4SigningResult result = AWS4Signer.ComputeSignature(credentials, Region, signedAt, ServiceName, signedHeaders, canonical.ToString());
        request.Headers.TryAddWithoutValidation("Authorization", result.ForAuthorizationHeader);
    }

    private static CloudWatchLogsException ToException(string operation, HttpResponseMessage response, byte[] answer)
    {
        string? type = response.Headers.TryGetValues("x-amzn-ErrorType", out var values) ? values.FirstOrDefault() : null;
        string? message = null;
        try
        {
            using JsonDocument doc = JsonDocument.Parse(answer);
            if (doc.RootElement.ValueKind == JsonValueKind.Object)
            {
                if (doc.RootElement.TryGetProperty("__type", out JsonElement t))
                {
                    type ??= t.GetString();
                }

                if (doc.RootElement.TryGetProperty("message", out JsonElement m) || doc.RootElement.TryGetProperty("Message", out m))
                {
                    message = m.GetString();
                }
            }
        }
        catch (JsonException)
        {
            message = answer.Length == 0 ? null : Encoding.UTF8.GetString(answer.AsSpan(0, Math.Min(answer.Length, 200)));
        }

        // "com.amazonaws.logs#ThrottlingException" or "ThrottlingException:http://..." -> "ThrottlingException"
        type ??= $"Http{(int)response.StatusCode}";
        int hash = type.LastIndexOf('#');
        if (hash >= 0)
        {
            type = type[(hash + 1)..];
        }

        int colon = type.IndexOf(':');
        if (colon >= 0)
        {
            type = type[..colon];
        }

        return new CloudWatchLogsException(operation, type, response.StatusCode, message);
    }
}
