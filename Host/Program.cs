using System.CommandLine;
using Npa.Host.Verbs;

// The one executable. Each verb lives in Host/Verbs/<Name>Verb.cs and exposes Create().
RootCommand root = new("npa: Kubernetes NetworkPolicy engine for Linux nodes (resolver, eBPF enforcer, flow logs)");
foreach (Command verb in VerbCatalog.All())
{
    root.Subcommands.Add(verb);
}

ParseResult parsed = root.Parse(args);
if (parsed.Errors.Count > 0 && args.Length > 0 && !args.Contains("--help") && !args.Contains("-h"))
{
    // Bad arguments exit 2, like the verbs' own argument checks; the message names what was wrong.
    foreach (System.CommandLine.Parsing.ParseError error in parsed.Errors)
    {
        Console.Error.WriteLine($"npa: {error.Message}");
    }

    Console.Error.WriteLine($"Run 'npa {string.Join(' ', args.TakeWhile(a => !a.StartsWith('-')))} --help' for usage.".Replace("  ", " ", StringComparison.Ordinal));
    return 2;
}

return await parsed.InvokeAsync();
