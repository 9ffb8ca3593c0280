using System.CommandLine;
using System.Reflection;

namespace Npa.Host.Verbs;

/// <summary><c>npa version</c>: prints the build's version.</summary>
internal static class VersionVerb
{
    public static Command Create()
    {
        Command command = new("version", "Print the version of npa");
        command.SetAction(_ =>
        {
            string version = typeof(VersionVerb).Assembly
                .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
            Console.Out.WriteLine($"npa {version}");
            return 0;
        });
        return command;
    }
}
