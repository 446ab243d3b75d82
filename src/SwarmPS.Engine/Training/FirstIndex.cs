namespace SwarmPS.Engine.Training;

/// <summary>
/// Keeps the smallest index any worker reports. Parallel loops record a bad chunk here instead of
/// throwing from a worker, so the refusal afterwards names the same (first) bad value whatever the
/// thread timing was.
/// </summary>
internal static class FirstIndex
{
    public const long None = long.MaxValue;

    public static void Offer(ref long target, long value)
    {
        var current = Interlocked.Read(ref target);
        while (value < current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
