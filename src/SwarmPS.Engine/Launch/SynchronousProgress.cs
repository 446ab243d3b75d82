namespace SwarmPS.Engine.Launch;

/// <summary>Reports on the caller's thread (System.Progress would post to the thread pool and reorder events).</summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
