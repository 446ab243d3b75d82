namespace SwarmPS.Engine.Processes;

/// <summary>What a detached child's parent sees when it looks: ready (with what it made), a failure it recorded, or neither yet.</summary>
public readonly record struct DetachedReadiness<T>(T? Ready, bool Failed)
    where T : class
{
    public static DetachedReadiness<T> Starting => default;

    public static DetachedReadiness<T> RecordedFailure => new(null, true);

    public static DetachedReadiness<T> Of(T ready) => new(ready, false);
}
