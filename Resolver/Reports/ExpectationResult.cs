using Npa.Resolver.Verdicts;

namespace Npa.Resolver.Reports;

/// <summary>
/// The outcome of one expectation: how many pod pairs and port ranges it checked, the port ranges whose verdict
/// differs from the expected one, and a <see cref="Problem"/> when it could check nothing (a selection matching
/// no pod is a mistake in the test, not a pass).
/// </summary>
public sealed record ExpectationResult(PolicyExpectation Expectation, int PairsChecked, int RangesChecked, IReadOnlyList<PortRangeVerdict> Failures, string? Problem)
{
    public bool Passed => Problem is null && Failures.Count == 0;

    /// <summary>One line: "PASS name (2 pod pairs, 4 port ranges)" or "FAIL name: why".</summary>
    public string Summary
    {
        get
        {
            string expected = Expectation.Allowed ? "allowed" : "denied";
            string actual = Expectation.Allowed ? "denied" : "allowed";
            return Problem is not null ? $"FAIL {Expectation.Name}: {Problem}"
                : Failures.Count == 0 ? $"PASS {Expectation.Name} ({PairsChecked} pod pairs, {RangesChecked} port ranges {expected})"
                : $"FAIL {Expectation.Name}: {Failures.Count} of {RangesChecked} port ranges {actual}, expected {expected}";
        }
    }
}
