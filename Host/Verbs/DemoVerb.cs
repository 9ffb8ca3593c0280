using System.CommandLine;
using Microsoft.Extensions.Logging;
using Npa.Host.Lab;
using Npa.Host.Lab.Kernel;

namespace Npa.Host.Verbs;

/// <summary><c>npa demo</c>: the Stars demo on a local lab, checked step by step against the resolver.</summary>
internal static class DemoVerb
{
    public static Command Create()
    {
        Command demo = new("demo", "Run the Stars network policy demo on a local lab (root) and check every step against the resolver");
        Option<string?> dir = new("--dir") { Description = "The demo's manifests (default: demo/stars of this checkout)" };
        Option<bool> verbose = new("--verbose", "-v") { Description = "Show the lab's own log lines" };
        demo.Options.Add(dir);
        demo.Options.Add(verbose);
        demo.SetAction(async (pr, ct) =>
        {
            string? demoDir = pr.GetValue(dir) ?? StarsDemo.Locate();
            if (demoDir is null || !File.Exists(Path.Combine(demoDir, "01-pods.yaml")))
            {
                Console.Error.WriteLine("demo: cannot find demo/stars (01-pods.yaml); run from the checkout or pass --dir");
                return 2;
            }

            if (!Directory.Exists(NetNamespace.RunDirectory) && Environment.UserName != "root")
            {
                Console.Error.WriteLine("demo: needs root (it creates network namespaces and loads eBPF programs)");
                return 2;
            }

            using ILoggerFactory logs = LoggerFactory.Create(b => b
                .SetMinimumLevel(pr.GetValue(verbose) ? LogLevel.Information : LogLevel.Warning)
                .AddSimpleConsole(o => o.SingleLine = true));
            ILogger logger = logs.CreateLogger("npa.demo");
            string work = Path.Combine(Path.GetTempPath(), "npa-demo-" + LabNames.NewLabId());
            try
            {
                StarsDemo run = new(Console.Out, Path.GetFullPath(demoDir), work, logger);
                return await run.RunAsync(o => new LabDaemon(o, logs), ct);
            }
            catch (LabException e)
            {
                Console.Error.WriteLine($"demo: {e.Message}");
                return 1;
            }
            finally
            {
                if (Directory.Exists(work))
                {
                    Directory.Delete(work, recursive: true);
                }
            }
        });
        return demo;
    }
}
