using System.Globalization;
using System.Text;
using System.Xml.Linq;
using Npa.Resolver.Model;
using Npa.Resolver.Resolution;
using Npa.Resolver.Verdicts;

namespace Npa.Resolver.Reports;

/// <summary>
/// Expectations checked against the resolved cluster with the verdicts <c>matrix</c> and <c>explain</c> use,
/// and the renderings <c>npa test</c> prints: text for a person (each failure with its <c>explain</c> text)
/// and JUnit XML for CI.
/// </summary>
public sealed record PolicyTestReport(IReadOnlyList<ExpectationResult> Results)
{
    /// <summary>How many failing port ranges of one expectation the text lists, and how many of those it explains.</summary>
    public const int ListedFailures = 20;

    public const int ExplainedFailures = 3;

    public bool Passed => Results.All(r => r.Passed);

    public int FailedCount => Results.Count(r => !r.Passed);

    public static PolicyTestReport Evaluate(
        ResolvedCluster cluster, IEnumerable<NamespaceInfo> namespaces, IEnumerable<PolicyExpectation> expectations, IpFamily family = IpFamily.Any)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(namespaces);
        ArgumentNullException.ThrowIfNull(expectations);
        Dictionary<string, NamespaceInfo> byName = namespaces.ToDictionary(n => n.Name, StringComparer.Ordinal);
        return new PolicyTestReport(expectations.Select(e => Check(cluster, byName, e, family)).ToArray());
    }

    private static ExpectationResult Check(ResolvedCluster cluster, IReadOnlyDictionary<string, NamespaceInfo> namespaces, PolicyExpectation expectation, IpFamily family)
    {
        PodInfo[] sources = cluster.PodsInOrder.Where(p => expectation.From.Matches(p, namespaces)).ToArray();
        PodInfo[] destinations = cluster.PodsInOrder.Where(p => expectation.To.Matches(p, namespaces)).ToArray();
        if (sources.Length == 0 || destinations.Length == 0)
        {
            string side = sources.Length == 0 ? $"from ({expectation.From})" : $"to ({expectation.To})";
            return new ExpectationResult(expectation, 0, 0, [], $"{side} selects no pod, so nothing is checked");
        }

        int pairs = 0;
        int ranges = 0;
        List<PortRangeVerdict> failures = [];
        foreach (PodInfo from in sources)
        {
            foreach (PodInfo to in destinations)
            {
                if (from.Ref == to.Ref)
                {
                    continue;
                }

                ExpectationException[] exceptions = expectation.Except
                    .Where(x => (x.From is null || x.From.Matches(from, namespaces)) && (x.To is null || x.To.Matches(to, namespaces)))
                    .ToArray();
                if (exceptions.Any(x => x.Ports is null))
                {
                    continue;
                }

                bool counted = false;
                foreach (PortSelection ports in expectation.Ports ?? PortSelection.Every)
                {
                    List<(int First, int Last)> excepted = exceptions.SelectMany(x => x.Ports!)
                        .Where(p => p.Protocol == ports.Protocol)
                        .SelectMany(p => Numbers(p, to))
                        .ToList();
                    foreach ((int first, int last) in Numbers(ports, to).SelectMany(r => Subtract(r, excepted)))
                    {
                        foreach (PortRangeVerdict piece in PortRangeVerdict.Evaluate(cluster, from.Ref, to.Ref, ports.Protocol, first, last, family))
                        {
                            ranges++;
                            counted = true;
                            if (piece.Allowed != expectation.Allowed)
                            {
                                failures.Add(piece);
                            }
                        }
                    }
                }

                pairs += counted ? 1 : 0;
            }
        }

        string? problem = ranges == 0
            ? "no connection is left to check (every pair is the same pod, excepted, or lacks the named port)"
            : null;
        return new ExpectationResult(expectation, pairs, ranges, failures, problem);
    }

    /// <summary>The port numbers a selection means on a destination pod: its range, or the numbers it declares under the name.</summary>
    private static IEnumerable<(int First, int Last)> Numbers(PortSelection ports, PodInfo destination) =>
        ports.Name is null
            ? [(ports.FirstPort, ports.LastPort)]
            : NamedPortResolver.Resolve(destination, ports.Name, ports.Protocol).Distinct().Order().Select(n => (n, n));

    /// <summary>What is left of one range once the given ranges are taken out of it.</summary>
    private static IEnumerable<(int First, int Last)> Subtract((int First, int Last) range, IReadOnlyList<(int First, int Last)> holes)
    {
        int next = range.First;
        foreach ((int first, int last) in holes.Where(h => h.Last >= range.First && h.First <= range.Last).OrderBy(h => h.First))
        {
            if (first > next)
            {
                yield return (next, first - 1);
            }

            next = Math.Max(next, last + 1);
        }

        if (next <= range.Last)
        {
            yield return (next, range.Last);
        }
    }

    /// <summary>
    /// Each expectation's summary; under a failure the failing port ranges (at most <see cref="ListedFailures"/>), the first
    /// <see cref="ExplainedFailures"/> with the <c>explain</c> text naming the deciding policies and rules; then the totals.
    /// </summary>
    public string ToText()
    {
        StringBuilder text = new();
        foreach (ExpectationResult result in Results)
        {
            text.Append(result.Summary).Append('\n');
            string expected = result.Expectation.Allowed ? "expected allowed" : "expected denied";
            for (int i = 0; i < Math.Min(result.Failures.Count, ListedFailures); i++)
            {
                PortRangeVerdict failure = result.Failures[i];
                text.Append($"  {failure}: {(failure.Allowed ? "ALLOWED" : "DENIED")}, {expected}\n");
                if (i < ExplainedFailures)
                {
                    foreach (string line in VerdictExplanation.Render(failure.Verdict).Split('\n', StringSplitOptions.RemoveEmptyEntries))
                    {
                        text.Append("    ").Append(line).Append('\n');
                    }
                }
            }

            if (result.Failures.Count > ListedFailures)
            {
                text.Append($"  ... and {result.Failures.Count - ListedFailures} more\n");
            }
        }

        text.Append($"{Results.Count} expectations: {Results.Count - FailedCount} passed, {FailedCount} failed\n");
        return text.ToString();
    }

    /// <summary>
    /// JUnit XML as Jenkins, GitLab and GitHub test reporters read it (the Surefire/junit-10 shape):
    /// <c>testsuites</c>, one <c>testsuite</c> per expectations file with <c>tests</c>/<c>failures</c>/<c>errors</c>/<c>skipped</c>
    /// counts, one <c>testcase</c> per expectation, and a <c>failure</c> whose message is the summary and whose text lists the cells.
    /// When <paramref name="invalidInput"/> holds errors (rejected objects, unreadable files), a first suite "manifests" has one
    /// testcase "every object is valid" with an <c>error</c> listing them, so CI shows why the run failed.
    /// </summary>
    public string ToJUnit(string name = "npa test", IReadOnlyList<string>? invalidInput = null)
    {
        int errors = invalidInput is { Count: > 0 } ? 1 : 0;
        XElement suites = new("testsuites",
            new XAttribute("name", name),
            new XAttribute("tests", Results.Count + errors),
            new XAttribute("failures", FailedCount),
            new XAttribute("errors", errors),
            new XAttribute("time", "0"));
        if (errors > 0)
        {
            suites.Add(new XElement("testsuite",
                new XAttribute("name", "manifests"),
                new XAttribute("tests", 1),
                new XAttribute("failures", 0),
                new XAttribute("errors", 1),
                new XAttribute("skipped", 0),
                new XAttribute("time", "0"),
                new XElement("testcase",
                    new XAttribute("name", "every object is valid"),
                    new XAttribute("classname", "manifests"),
                    new XAttribute("time", "0"),
                    new XElement("error",
                        new XAttribute("message", $"{invalidInput!.Count} invalid object(s) or unreadable file(s)"),
                        new XAttribute("type", "InvalidInput"),
                        string.Join("\n", invalidInput)))));
        }

        foreach (IGrouping<string, ExpectationResult> file in Results.GroupBy(r => File(r.Expectation.Source)))
        {
            XElement suite = new("testsuite",
                new XAttribute("name", file.Key),
                new XAttribute("tests", file.Count()),
                new XAttribute("failures", file.Count(r => !r.Passed)),
                new XAttribute("errors", 0),
                new XAttribute("skipped", 0),
                new XAttribute("time", "0"));
            foreach (ExpectationResult result in file)
            {
                XElement testcase = new("testcase",
                    new XAttribute("name", result.Expectation.Name),
                    new XAttribute("classname", file.Key),
                    new XAttribute("time", "0"));
                if (!result.Passed)
                {
                    string detail = new PolicyTestReport([result]).ToText();
                    testcase.Add(new XElement("failure",
                        new XAttribute("message", result.Summary),
                        new XAttribute("type", result.Problem is null ? "UnexpectedVerdict" : "NothingChecked"),
                        detail));
                }

                suite.Add(testcase);
            }

            suites.Add(suite);
        }

        return new XDocument(new XDeclaration("1.0", "UTF-8", null), suites).Declaration + "\n" + suites.ToString() + "\n";
    }

    private static string File(string source)
    {
        int colon = source.LastIndexOf(':');
        string path = colon > 0 && source[(colon + 1)..].All(char.IsAsciiDigit) ? source[..colon] : source;
        return path.Length == 0 ? "expectations" : path;
    }
}
