using System.CommandLine;

namespace Npa.Host.Verbs;

/// <summary>Every verb of <c>npa</c>, in the order <c>--help</c> lists them.</summary>
internal static class VerbCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return AgentVerb.Create();
        yield return ControllerVerb.Create();
        yield return ReplayVerb.Create();
        yield return MatrixVerb.Create();
        yield return ExplainVerb.Create();
        yield return TestVerb.Create();
        yield return DiffVerb.Create();
        yield return LabVerb.Create();
        yield return DemoVerb.Create();
        yield return EbpfVerb.Create();
        yield return VersionVerb.Create();
        yield return FlowsVerb.Create();
    }
}
