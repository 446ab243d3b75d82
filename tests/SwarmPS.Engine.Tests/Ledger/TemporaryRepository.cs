using System.Diagnostics;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Engine.Tests.Ledger;

/// <summary>A throw-away experiment directory, optionally a real git repository, deleted afterwards.</summary>
public sealed class TemporaryRepository : IDisposable
{
    public TemporaryRepository(bool git = true, string? path = null)
    {
        Root = path ?? Path.Combine(Path.GetTempPath(), "swarmps-ledger-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Root);
        if (git)
        {
            Git("init", "--quiet", "--initial-branch=main");
            Git("config", "user.email", "test@example.org");
            Git("config", "user.name", "SwarmPS test");
        }
    }

    public string Root { get; }

    public SwarmRepository Repository => SwarmRepository.At(Root);

    public static RunStoreOptions FixedClock(DateTimeOffset start) => new() { Clock = new SteppingClock(start) };

    public string Git(params string[] arguments) => RunGit(Root, arguments);

    public static string RunGit(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("git")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = directory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"git {string.Join(' ', arguments)} failed ({process.ExitCode}): {error}");
        }

        return output;
    }

    public void Write(string relativePath, string text)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A clock that moves 1.5 s per reading, so start/end times and wall seconds are known.</summary>
    private sealed class SteppingClock(DateTimeOffset start) : TimeProvider
    {
        private long _ticks = start.UtcTicks;

        public override DateTimeOffset GetUtcNow() =>
            new(Interlocked.Add(ref _ticks, TimeSpan.FromSeconds(1.5).Ticks) - TimeSpan.FromSeconds(1.5).Ticks, TimeSpan.Zero);
    }
}
