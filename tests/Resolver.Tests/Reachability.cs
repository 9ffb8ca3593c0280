using Npa.Resolver.Model;
using Npa.Resolver.Verdicts;

namespace Npa.Resolver.Tests;

/// <summary>
/// Expected reachability written in the upstream e2e style: per probe, start from every pair allowed
/// (or denied), then apply deltas in order. Peers are <c>*</c>, <c>ns/*</c>, <c>*/pod</c> or <c>ns/pod</c>.
/// A pod always reaches itself. Format, one statement a line (<c>#</c> starts a comment):
/// <code>
/// probe TCP/80
/// all allow
/// deny * -> x/*
/// allow x/b -> x/a
/// </code>
/// </summary>
public sealed class Reachability
{
    private Reachability(Probe probe, Dictionary<(ObjectRef From, ObjectRef To), bool> expected)
    {
        Probe = probe;
        Expected = expected;
    }

    public Probe Probe { get; }

    public Dictionary<(ObjectRef From, ObjectRef To), bool> Expected { get; }

    public static List<Reachability> Parse(string text, IReadOnlyList<ObjectRef> pods)
    {
        List<Reachability> result = [];
        Reachability? current = null;
        int lineNo = 0;
        foreach (string raw in text.Split('\n'))
        {
            lineNo++;
            string line = (raw.IndexOf('#', StringComparison.Ordinal) is int hash and >= 0 ? raw[..hash] : raw).Trim();
            if (line.Length == 0)
            {
                continue;
            }

            string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words[0] == "probe" && words.Length == 2)
            {
                current = new Reachability(Probe.Parse(words[1]), []);
                result.Add(current);
                continue;
            }

            if (current is null)
            {
                throw new FormatException($"line {lineNo}: expected 'probe PROTO/PORT' first");
            }

            if (words[0] == "all" && words.Length == 2)
            {
                bool all = Verdict(words[1], lineNo);
                foreach (ObjectRef from in pods)
                {
                    foreach (ObjectRef to in pods)
                    {
                        current.Expected[(from, to)] = all;
                    }
                }

                continue;
            }

            if (words.Length == 4 && words[2] == "->")
            {
                bool allowed = Verdict(words[0], lineNo);
                foreach (ObjectRef from in pods.Where(p => Matches(words[1], p)))
                {
                    foreach (ObjectRef to in pods.Where(p => Matches(words[3], p)))
                    {
                        current.Expected[(from, to)] = allowed;
                    }
                }

                continue;
            }

            throw new FormatException($"line {lineNo}: cannot read '{line}'");
        }

        foreach (Reachability r in result)
        {
            foreach (ObjectRef pod in pods)
            {
                r.Expected[(pod, pod)] = true;
            }
        }

        return result;
    }

    private static bool Verdict(string word, int lineNo) => word switch
    {
        "allow" => true,
        "deny" => false,
        _ => throw new FormatException($"line {lineNo}: '{word}' is neither allow nor deny"),
    };

    private static bool Matches(string pattern, ObjectRef pod)
    {
        if (pattern == "*")
        {
            return true;
        }

        string[] parts = pattern.Split('/');
        if (parts.Length != 2)
        {
            throw new FormatException($"peer '{pattern}' must be *, ns/*, */pod or ns/pod");
        }

        return (parts[0] == "*" || parts[0] == pod.Namespace) && (parts[1] == "*" || parts[1] == pod.Name);
    }
}
