using System.CommandLine;

namespace Npa.Host.Verbs;

/// <summary><c>npa demo</c>: the Stars demo on a local lab.</summary>
internal static class DemoVerb
{
    public static Command Create()
    {
        Command demo = new("demo", "Run the Stars network policy demo on a local lab and check every step");
        demo.SetAction(_ => 1);
        return demo;
    }
}
