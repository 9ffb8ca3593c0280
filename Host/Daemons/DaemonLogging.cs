using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Npa.Host.Daemons;

/// <summary>
/// How the agent and the controller write their own log: <c>text</c>, one line per message with its
/// scope as <c>Kind=Pod Object=shop/web</c>, for a person; or <c>json</c>, one JSON object per line
/// (timestamp, level, category, message, state and scopes as fields), for a log pipeline, as the EKS
/// agent's logger writes. Both in UTC with milliseconds.
/// </summary>
public static class DaemonLogging
{
    public static readonly string[] Formats = ["text", "json"];

    public static void Configure(ILoggingBuilder logging, string level, string format)
    {
        ArgumentNullException.ThrowIfNull(logging);
        logging.ClearProviders();
        switch (format.Trim().ToLowerInvariant())
        {
            case "json":
                logging.AddJsonConsole(o =>
                {
                    o.IncludeScopes = true;
                    o.UseUtcTimestamp = true;
                    o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                    o.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
                });
                break;
            case "text" or "":
                logging.AddSimpleConsole(o =>
                {
                    o.SingleLine = true;
                    o.IncludeScopes = true;
                    o.UseUtcTimestamp = true;
                    o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                    o.ColorBehavior = LoggerColorBehavior.Disabled;
                });
                break;
            default:
                throw new ArgumentException($"--log-format '{format}' is not one of {string.Join(", ", Formats)}", nameof(format));
        }

        logging.SetMinimumLevel(LogLevels.Parse(level));
        // Per-request lines of Kestrel and routing would drown the daemon's own messages.
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
    }
}
