using System.CommandLine;
using Npa.FlowLogs.Files;
using Npa.FlowLogs.Viewing;

namespace Npa.Host.Verbs;

/// <summary>
/// <c>npa flows</c>: the flow log for a person, one aligned line per flow, rotated files included in
/// order; <c>--follow</c> keeps reading across rotations.
/// </summary>
internal static class FlowsVerb
{
    public static Command Create()
    {
        Command command = new("flows", "Show flow logs (allowed and denied flows with pods and policies), oldest first");
        Option<bool> follow = new("--follow", "-F") { Description = "Keep printing new flows as they are logged, across rotations" };
        Option<string?> verdict = new("--verdict") { Description = "Only flows with this verdict: DENY or ACCEPT" };
        Option<string?> pod = new("--pod") { Description = "Only flows from or to this pod (namespace/name)" };
        Option<string> dir = new("--dir") { Description = "Flow log directory", DefaultValueFactory = _ => FlowLogFileOptions.DefaultDirectory };
        Option<string?> file = new("--file") { Description = $"Flow log file name or path (default {FlowLogFileOptions.DefaultFileName} in --dir)" };
        Option<bool> raw = new("--json") { Description = "Print the JSON lines as logged instead of aligned text" };
        command.Options.Add(follow);
        command.Options.Add(verdict);
        command.Options.Add(pod);
        command.Options.Add(dir);
        command.Options.Add(file);
        command.Options.Add(raw);
        command.SetAction(async (pr, ct) =>
        {
            string? wantVerdict = pr.GetValue(verdict)?.ToUpperInvariant();
            if (wantVerdict is not null and not "DENY" and not "ACCEPT")
            {
                Console.Error.WriteLine($"--verdict '{pr.GetValue(verdict)}' must be DENY or ACCEPT");
                return 2;
            }

            string? wantPod = pr.GetValue(pod);
            if (wantPod is not null && (wantPod.Count(c => c == '/') != 1 || wantPod.StartsWith('/') || wantPod.EndsWith('/')))
            {
                Console.Error.WriteLine($"--pod '{wantPod}' must be namespace/name");
                return 2;
            }

            string directory = pr.GetValue(dir)!;
            string fileName = FlowLogFileOptions.DefaultFileName;
            if (pr.GetValue(file) is { } f)
            {
                if (f.Contains('/'))
                {
                    directory = Path.GetDirectoryName(Path.GetFullPath(f))!;
                }

                fileName = Path.GetFileName(f);
            }

            FlowLogFileSet files = new(directory, fileName);
            bool followOn = pr.GetValue(follow);
            if (!followOn && files.AllInOrder().Count == 0)
            {
                Console.Error.WriteLine($"no flow logs at {files.CurrentPath} (nor rotated {files.Stem}-*{files.Extension}); is flow logging enabled?");
                return 1;
            }

            bool json = pr.GetValue(raw);
            if (!json)
            {
                Console.Out.WriteLine(FlowLogPrettyPrinter.Header());
            }

            int skipped = 0;
            try
            {
                await foreach (string line in FlowLogTail.ReadLinesAsync(files, followOn, TimeSpan.FromMilliseconds(250), ct))
                {
                    FlowLogEntry? entry = FlowLogEntry.TryParse(line, out _);
                    if (entry is null)
                    {
                        skipped++;
                        continue;
                    }

                    if ((wantVerdict is not null && entry.Verdict != wantVerdict) || (wantPod is not null && !entry.Involves(wantPod)))
                    {
                        continue;
                    }

                    Console.Out.WriteLine(json ? line : FlowLogPrettyPrinter.Format(entry));
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Ctrl-C while following
            }

            if (skipped > 0)
            {
                Console.Error.WriteLine($"{skipped} line(s) were not flow-log JSON and were skipped");
            }

            return 0;
        });
        return command;
    }
}
