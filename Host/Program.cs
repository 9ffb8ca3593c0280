using System.CommandLine;
using Npa.Host.Verbs;

// The one executable. Each verb lives in Host/Verbs/<Name>Verb.cs and exposes Create().
RootCommand root = new("npa: Kubernetes NetworkPolicy engine for Linux nodes (resolver, eBPF enforcer, flow logs)");
foreach (Command verb in VerbCatalog.All())
{
    root.Subcommands.Add(verb);
}

return await root.Parse(args).InvokeAsync();
