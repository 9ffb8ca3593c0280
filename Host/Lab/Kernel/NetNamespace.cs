using Npa.Enforcer.Attach;

namespace Npa.Host.Lab.Kernel;

/// <summary>
/// The lab's named network namespaces (<c>/run/netns/NAME</c>): their paths, which exist, and running
/// code inside one (through <see cref="NetnsThread"/>, on a dedicated thread that alone moves).
/// </summary>
internal static class NetNamespace
{
    public const string RunDirectory = "/run/netns";

    public static string PathOf(string name) => Path.Combine(RunDirectory, name);

    public static bool Exists(string name) => File.Exists(PathOf(name));

    /// <summary>Names of every namespace under /run/netns starting with <paramref name="prefix"/>.</summary>
    public static IReadOnlyList<string> List(string prefix) =>
        Directory.Exists(RunDirectory)
            ? Directory.GetFiles(RunDirectory).Select(Path.GetFileName).OfType<string>()
                .Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList()
            : [];

    /// <summary>Runs <paramref name="work"/> in namespace <paramref name="name"/> and returns its result.</summary>
    public static T Run<T>(string name, Func<T> work) => NetnsThread.Run(PathOf(name), work);
}
