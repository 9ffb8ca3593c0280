using System.Diagnostics;
using Npa.Host.Verbs;

namespace Npa.Host.Tests.Verbs;

/// <summary>
/// <c>npa diff --base REF --after PATH</c> in a pull request: the old version is the same paths at a git revision.
/// The repository is made by the test: Stars at step 2 committed, step 3's backend policy added in the work tree.
/// </summary>
public sealed class DiffBaseTests : IDisposable
{
    private readonly ScratchFolder _repo = new();

    public DiffBaseTests()
    {
        string policies = Path.Combine(_repo.Path, "policies");
        Directory.CreateDirectory(policies);
        foreach (string path in VerbFixtures.StarsAtStep(2))
        {
            foreach (string file in Directory.Exists(path) ? Directory.GetFiles(path) : [path])
            {
                File.Copy(file, Path.Combine(policies, Path.GetFileName(file)));
            }
        }

        Git("init", "-q");
        Git("add", ".");
        Git("-c", "user.name=npa tests", "-c", "user.email=tests@npa.invalid", "commit", "-q", "-m", "step 2");
        File.Copy(Path.Combine(VerbFixtures.Stars, "steps", "3-backend-policy", "backend-policy.yaml"), Path.Combine(policies, "backend-policy.yaml"));
    }

    public void Dispose() => _repo.Dispose();

    [Fact]
    public void TheWorkTreeAgainstHead_ListsWhatTheAddedPolicyOpens()
    {
        StringWriter stdout = new();
        StringWriter stderr = new();

        int rc = DiffVerb.Run(null, [Path.Combine(_repo.Path, "policies")], null, "text", stdout, stderr, baseRef: "HEAD");

        Assert.True(rc == 0, stderr.ToString());
        Assert.Equal(
            "+ stars/frontend -> stars/backend TCP/6379: now ALLOWED (ingress of stars/backend allowed by stars/backend-policy ingress[0] (podSelector role=frontend))\n" +
            "1 changes: 1 opened, 0 closed\n",
            stdout.ToString());
    }

    [Fact]
    public void AnUnknownRevision_Exit2NamingIt()
    {
        StringWriter stderr = new();
        Assert.Equal(2, DiffVerb.Run(null, [Path.Combine(_repo.Path, "policies")], null, "text", new StringWriter(), stderr, baseRef: "no-such-ref"));
        Assert.Contains("git archive no-such-ref", stderr.ToString());
    }

    [Fact]
    public void BaseWithBefore_Exit2()
    {
        StringWriter stderr = new();
        Assert.Equal(2, DiffVerb.Run([VerbFixtures.Stars], [Path.Combine(_repo.Path, "policies")], null, "text", new StringWriter(), stderr, baseRef: "HEAD"));
        Assert.Contains("no --before", stderr.ToString());
    }

    private void Git(params string[] args)
    {
        ProcessStartInfo start = new("git") { WorkingDirectory = _repo.Path, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process git = Process.Start(start)!;
        string errors = git.StandardError.ReadToEnd();
        Assert.True(git.WaitForExit(TimeSpan.FromSeconds(30)), "git did not finish");
        Assert.True(git.ExitCode == 0, $"git {string.Join(' ', args)}: {errors}");
    }
}
