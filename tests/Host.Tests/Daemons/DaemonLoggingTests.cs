using System.Text.Json;
using Microsoft.Extensions.Logging;
using Npa.Host.Daemons;
using Npa.Host.Stages;

namespace Npa.Host.Tests.Daemons;

/// <summary>The daemons' own log: scopes a person can read in text, one JSON object per line for a pipeline.</summary>
[Collection(ConsoleOutput.Name)]
public sealed class DaemonLoggingTests
{
    private static readonly Action<ILogger, string, Exception?> ReconcileFailed =
        LoggerMessage.Define<string>(LogLevel.Warning, new EventId(1, "ReconcileFailed"), "reconcile failed {Marker}");

    [Fact]
    public void Text_ShowsTheScopeAsKeyValuePairs_NotAsADictionaryTypeName()
    {
        string marker = $"text-{Guid.NewGuid():N}";
        string output = Capture("text", logger =>
        {
            using (StageScope.Begin(logger, "NetworkPolicy", "shop/allow-web"))
            {
                ReconcileFailed(logger, marker, null);
            }
        });

        string line = Assert.Single(output.Split('\n'), l => l.Contains(marker, StringComparison.Ordinal));
        Assert.Contains("=> Kind=NetworkPolicy Object=shop/allow-web", line, StringComparison.Ordinal);
        Assert.DoesNotContain("System.Collections.Generic", line, StringComparison.Ordinal);
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z warn: ", line);
    }

    [Fact]
    public void Json_WritesOneObjectPerLine_WithTheMessageItsFieldsAndTheScopeFields()
    {
        string marker = $"json-{Guid.NewGuid():N}";
        string output = Capture("json", logger =>
        {
            using (StageScope.Begin(logger, "NetworkPolicy", "shop/allow-web"))
            {
                ReconcileFailed(logger, marker, null);
            }
        });

        string line = Assert.Single(output.Split('\n'), l => l.Contains(marker, StringComparison.Ordinal));
        using JsonDocument doc = JsonDocument.Parse(line);
        JsonElement root = doc.RootElement;
        Assert.Equal("Warning", root.GetProperty("LogLevel").GetString());
        Assert.Equal($"reconcile failed {marker}", root.GetProperty("Message").GetString());
        Assert.Equal(marker, root.GetProperty("State").GetProperty("Marker").GetString());
        JsonElement scope = Assert.Single(root.GetProperty("Scopes").EnumerateArray());
        Assert.Equal("NetworkPolicy", scope.GetProperty("Kind").GetString());
        Assert.Equal("shop/allow-web", scope.GetProperty("Object").GetString());
        Assert.EndsWith("Z", root.GetProperty("Timestamp").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownFormat_IsRefusedWithTheFlagsName()
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => LoggerFactory.Create(b => DaemonLogging.Configure(b, "info", "xml")));
        Assert.Contains("--log-format 'xml' is not one of text, json", e.Message, StringComparison.Ordinal);
    }

    private static string Capture(string format, Action<ILogger> write)
    {
        TextWriter original = Console.Out;
        StringWriter captured = new();
        Console.SetOut(captured);
        try
        {
            using (ILoggerFactory factory = LoggerFactory.Create(b => DaemonLogging.Configure(b, "info", format)))
            {
                write(factory.CreateLogger("Npa.Test"));
            } // disposing flushes the console logger's queue

            return captured.ToString();
        }
        finally
        {
            Console.SetOut(original);
        }
    }
}

/// <summary>Tests that redirect the process's console run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleOutput
{
    public const string Name = "console output";
}
