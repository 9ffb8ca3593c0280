namespace Npa.Tests.Shared;

/// <summary>Bounds for every await in a test.</summary>
public static class TestTimeouts
{
    public static TimeSpan Default { get; } = TimeSpan.FromSeconds(30);

    public static TimeSpan Short { get; } = TimeSpan.FromSeconds(5);
}
