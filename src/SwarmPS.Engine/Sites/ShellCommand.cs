namespace SwarmPS.Engine.Sites;

/// <summary>
/// A program and its arguments, kept as an argv list from the caller to the far side: no shell ever
/// re-parses an argument, which is what makes spaces, quotes, ';', '$()' and newlines arrive verbatim.
/// </summary>
public sealed record ShellCommand(string Program, IReadOnlyList<string> Arguments)
{
    public ShellCommand(string program, params string[] arguments)
        : this(program, (IReadOnlyList<string>)arguments)
    {
    }

    /// <summary>Ends the command (and its process tree) after this long; null waits forever.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Bytes written to the command's standard input, then closed. Null gives an empty stdin.</summary>
    public byte[]? StandardInput { get; init; }

    /// <summary>
    /// Streams the command's standard input instead of <see cref="StandardInput"/> (code shipped as a tar
    /// stream is too big to hold in memory); the stream is closed when it returns. Runs while the output is read.
    /// </summary>
    public Func<Stream, CancellationToken, Task>? StandardInputWriter { get; init; }

    /// <summary>Variables set for the command (for remote shells: exported on the far side).</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>Directory the command starts in; null for the shell's default (home, remotely).</summary>
    public string? WorkingDirectory { get; init; }

    public override string ToString() => string.Join(' ', new[] { Program }.Concat(Arguments).Select(PosixQuoting.Quote));
}
