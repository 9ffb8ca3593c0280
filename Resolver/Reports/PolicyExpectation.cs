namespace Npa.Resolver.Reports;

/// <summary>
/// What a team expects of its policies, checked by <c>npa test</c>: every connection from a pod of
/// <see cref="From"/> to another pod of <see cref="To"/> on <see cref="Ports"/> (every port of every protocol
/// when null) is allowed, or every one denied. <see cref="Except"/> takes connections out of the check; it says
/// nothing about them. A pod reaching itself is never checked (it always may). <see cref="Source"/> is where the
/// expectation was written ("file:line"), for messages and for grouping in JUnit.
/// </summary>
public sealed record PolicyExpectation(
    string Name,
    PodSelection From,
    PodSelection To,
    IReadOnlyList<PortSelection>? Ports,
    bool Allowed,
    IReadOnlyList<ExpectationException> Except,
    string Source = "");

/// <summary>
/// Connections an expectation does not check: those from a pod of <see cref="From"/> (any pod when null) to a pod
/// of <see cref="To"/> (any when null) on <see cref="Ports"/> (any port when null).
/// </summary>
public sealed record ExpectationException(PodSelection? From, PodSelection? To, IReadOnlyList<PortSelection>? Ports);
