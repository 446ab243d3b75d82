using System.Diagnostics;
using System.Text.RegularExpressions;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>
/// Runs tests/SwarmPS.Exchange.Host (the engine's ExchangeServer in its own process) the way a detached
/// Start-SwarmExchange runs: token in the environment only. Gives the test its URL and pid, its
/// resident memory from /proc, and kill -9.
/// </summary>
public sealed partial class ExchangeHostProcess : IDisposable
{
    public const string TokenVariable = "SWARM_TEST_EXCHANGE_TOKEN";

    private readonly Process _process;

    private ExchangeHostProcess(Process process, Uri url)
    {
        _process = process;
        Url = url;
    }

    public Uri Url { get; }

    public int Pid => _process.Id;

    public static string HostAssembly
    {
        get
        {
            // tests/SwarmPS.Engine.Tests/bin/<Configuration>/net10.0/ → tests/SwarmPS.Exchange.Host/bin/<Configuration>/net10.0/
            var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
            var configuration = output.Parent!.Name;
            var testsDirectory = output.Parent!.Parent!.Parent!.Parent!.FullName;
            var path = Path.Combine(testsDirectory, "SwarmPS.Exchange.Host", "bin", configuration, output.Name, "SwarmPS.Exchange.Host.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException("Build tests/SwarmPS.Exchange.Host first.", path);
        }
    }

    /// <summary>A gateway of the RabbitMQ backend: the broker and exchange name as arguments, the credentials in its environment only.</summary>
    public static ExchangeHostProcess StartOnBroker(string stateDirectory, string token, SwarmPS.Engine.Exchange.RabbitMqSettings broker) =>
        Start(stateDirectory, token, new Dictionary<string, string>
        {
            [SwarmPS.Engine.Exchange.RabbitMqSettings.UserVariable] = broker.User,
            [SwarmPS.Engine.Exchange.RabbitMqSettings.PasswordVariable] = broker.Password,
        }, "--backend", "RabbitMq", "--broker-uri", string.Join(",", broker.Brokers), "--broker-name", broker.Name);

    public static ExchangeHostProcess Start(string stateDirectory, string token, params string[] extraArguments) =>
        Start(stateDirectory, token, new Dictionary<string, string>(), extraArguments);

    private static ExchangeHostProcess Start(string stateDirectory, string token, IReadOnlyDictionary<string, string> environment, params string[] extraArguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { HostAssembly, "--state-dir", stateDirectory, "--port", "0", "--token-variable", TokenVariable }.Concat(extraArguments))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment[TokenVariable] = token;
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        var process = Process.Start(start)!;
        var errors = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) => { lock (errors) { errors.AppendLine(e.Data); } };
        process.BeginErrorReadLine();
        var ready = process.StandardOutput.ReadLineAsync();
        if (!ready.Wait(TimeSpan.FromSeconds(30)) || ready.Result is not { } line || ReadyLine().Match(line) is not { Success: true } match)
        {
            process.Kill(entireProcessTree: true);
            lock (errors)
            {
                throw new InvalidOperationException($"The exchange host did not report ready. stderr: {errors}");
            }
        }

        // Keep draining stdout so the host never blocks on a full pipe.
        _ = process.StandardOutput.ReadToEndAsync();
        return new ExchangeHostProcess(process, new Uri(match.Groups[1].Value));
    }

    /// <summary>VmRSS of the host in KiB, from /proc/&lt;pid&gt;/status.</summary>
    public long ResidentKiB()
    {
        var line = File.ReadLines($"/proc/{Pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Waits for the host to have exited and been reaped; false when it has not within <paramref name="timeout"/>.</summary>
    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    /// <summary>SIGKILL: no shutdown code runs, exactly like kill -9.</summary>
    public void KillHard()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            KillHard();
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"^SWARM_EXCHANGE_READY (\S+)$")]
    private static partial Regex ReadyLine();
}
