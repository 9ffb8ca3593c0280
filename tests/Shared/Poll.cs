namespace Npa.Tests.Shared;

/// <summary>Waiting, bounded, for something another thread or process brings about.</summary>
public static class Poll
{
    /// <summary>
    /// Checks <paramref name="condition"/> every <paramref name="interval"/> (10 ms unless given) until it
    /// holds or <see cref="TestTimeouts.Default"/> has passed; false if it never held.
    /// </summary>
    public static async Task<bool> UntilAsync(Func<bool> condition, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        using CancellationTokenSource deadline = new(TestTimeouts.Default);
        while (!condition())
        {
            if (deadline.IsCancellationRequested)
            {
                return false;
            }

            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(10), CancellationToken.None);
        }

        return true;
    }
}
