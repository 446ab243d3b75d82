using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SwarmPS.Engine.Processes;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Sites;
using SwarmPS.Engine.Tests.Exchange;

namespace SwarmPS.Engine.Tests.Sites;

/// <summary>
/// Reverse tunnels against the real sshd on 127.0.0.1 (tests/infra/start-sshd.sh): a real HTTP listener
/// here is reached from the far side through the tunnel, ports are allocated by the far sshd, close and
/// the cleaner end exactly the recorded ssh, and refusals come back as errors that name the fix.
/// </summary>
[Collection(SshdCollection.Name)]
public sealed class ReverseTunnelTests(SshdFixture sshd) : IAsyncLifetime
{
    private readonly string _records = Path.Combine(Path.GetTempPath(), "swarmps-tunnel-tests", Guid.NewGuid().ToString("N"));
    private readonly List<IDisposable> _toDispose = new();
    private readonly List<Process> _toKill = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        // Whatever a failed assertion left open: tunnels by their records, then our own children.
        await ReverseTunnelCleaner.CloseAllAsync(_records);
        foreach (var process in _toKill)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            process.Dispose();
        }

        _toDispose.ForEach(item => item.Dispose());
        if (Directory.Exists(_records))
        {
            Directory.Delete(_records, recursive: true);
        }
    }

    [Fact]
    public async Task The_far_side_reaches_a_local_http_listener_through_the_tunnel()
    {
        var local = StartHttpListener("hello through the tunnel");
        var tunnel = await ReverseTunnel.OpenAsync(TunnelSettings(), new Uri($"http://127.0.0.1:{local}/exchange/"), _records);

        // The agents' URL is the exchange's, with the far side's loopback and allocated port.
        Assert.Equal(new Uri($"http://127.0.0.1:{tunnel.RemotePort}/exchange/"), tunnel.Url);
        // Loopback only: another local address of the far side does not reach it.
        Assert.False(Accepts(tunnel.RemotePort, "127.0.0.2"));
        Assert.NotEqual(local, tunnel.RemotePort);
        // From the login host's side: a command run there over ssh fetches the URL agents get.
        var fetched = await new OpenSshShell(sshd.Settings()).RunAsync(new ShellCommand("curl", new[] { "-sS", "--max-time", "10", tunnel.Url.ToString() }));
        Assert.True(fetched.ExitCode == 0, fetched.StandardError);
        Assert.Equal("hello through the tunnel", fetched.StandardOutput);

        // The record names the very ssh process, owner-only, in an owner-only directory.
        Assert.True(tunnel.Ssh.IsAlive);
        Assert.Equal(ProcessIdentity.TryOf(tunnel.Ssh.Pid), tunnel.Ssh);
        Assert.Contains("ssh", File.ReadAllText($"/proc/{tunnel.Ssh.Pid}/comm"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(tunnel.RecordFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_records));
        var (_, record) = Assert.Single(ReverseTunnelRecord.ReadAll(_records));
        Assert.Equal(tunnel.Record, record);
        Assert.Equal((local, tunnel.RemotePort, sshd.Port, $"{sshd.User}@127.0.0.1"), (record.LocalPort, record.RemotePort, record.SshPort, record.Host));
        Assert.Equal(ProcessIdentity.Current, record.Opener);

        await tunnel.CloseAsync();
    }

    [Fact]
    public async Task Agents_on_the_far_side_reach_a_real_exchange_through_the_tunnel()
    {
        await using var exchange = LimitedExchange.Start(new ExchangeLimits());
        var tunnel = await ReverseTunnel.OpenAsync(TunnelSettings(), exchange.Gateway.Url, _records);

        var fetched = await new OpenSshShell(sshd.Settings()).RunAsync(new ShellCommand("curl", new[]
        {
            "-sS", "--fail-with-body", "--max-time", "10", "-H", $"Authorization: Bearer {LimitedExchange.Token}",
            new Uri(tunnel.Url, "v1/exchange").ToString(),
        }));

        Assert.True(fetched.ExitCode == 0, fetched.StandardOutput + fetched.StandardError);
        Assert.StartsWith("{", fetched.StandardOutput.TrimStart());
        await tunnel.CloseAsync();
    }

    [Fact]
    public async Task Two_tunnels_get_two_ports_and_close_frees_the_port_and_ends_ssh()
    {
        var local = StartHttpListener("x");
        var first = await ReverseTunnel.OpenAsync(TunnelSettings(), Local(local), _records);
        var second = await ReverseTunnel.OpenAsync(TunnelSettings(), Local(local), _records);
        Assert.NotEqual(first.RemotePort, second.RemotePort);
        Assert.NotEqual(first.Ssh.Pid, second.Ssh.Pid);
        Assert.True(Accepts(first.RemotePort) && Accepts(second.RemotePort));

        await first.CloseAsync();

        Assert.False(first.Ssh.IsAlive);
        Assert.True(StopsAccepting(first.RemotePort), $"port {first.RemotePort} still accepts after close");
        Assert.False(File.Exists(first.RecordFile));
        // The other tunnel is untouched.
        Assert.True(second.Ssh.IsAlive);
        Assert.True(Accepts(second.RemotePort));
        Assert.Equal(second.Record, Assert.Single(ReverseTunnelRecord.ReadAll(_records)).Record);

        await first.CloseAsync(); // closing twice is harmless
        var closed = await ReverseTunnelCleaner.CloseAllAsync(_records);
        Assert.Equal(second.Record, Assert.Single(closed));
        Assert.False(second.Ssh.IsAlive);
        Assert.True(StopsAccepting(second.RemotePort));
        Assert.Empty(Directory.EnumerateFiles(_records));
    }

    [Fact]
    public async Task After_kill_9_of_the_opener_the_cleaner_ends_the_orphaned_ssh()
    {
        var local = StartHttpListener("x");
        var opener = StartOpener(local);
        var line = await opener.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60))
            ?? throw new InvalidOperationException("the opener exited: " + await opener.StandardError.ReadToEndAsync());
        var remotePort = int.Parse(line.Split(' ')[0]["remote_port=".Length..]);
        var record = Assert.Single(ReverseTunnelRecord.ReadAll(_records)).Record;
        Assert.Equal(opener.Id, record.OpenerPid);
        Assert.True(Accepts(remotePort));

        // While the opener lives its tunnel is in use: the cleaner leaves it.
        Assert.Empty(await ReverseTunnelCleaner.CleanStaleAsync(_records));
        Assert.True(record.Ssh.IsAlive);

        ProcessIdentity.Of(opener.Id).Signal(ProcessIdentity.SignalKill);
        await opener.WaitForExitAsync();
        Assert.True(record.Ssh.IsAlive, "the ssh should outlive its killed opener (it is detached)");
        Assert.True(Accepts(remotePort));

        var removed = await ReverseTunnelCleaner.CleanStaleAsync(_records);

        Assert.Equal(record, Assert.Single(removed));
        Assert.False(record.Ssh.IsAlive);
        Assert.True(StopsAccepting(remotePort));
        Assert.Empty(Directory.EnumerateFiles(_records));
    }

    [Fact]
    public async Task A_record_whose_pid_now_belongs_to_another_process_kills_nothing()
    {
        var unrelated = Process.Start(new ProcessStartInfo("sleep", "300"))!;
        _toKill.Add(unrelated);
        var live = ProcessIdentity.Of(unrelated.Id);
        Directory.CreateDirectory(_records);
        foreach (var (id, opener) in new[] { ("reused1", live.Pid), ("reused2", 999_999) })
        {
            // Same pid as the live sleep, another start time: the recorded ssh exited and its pid was reused.
            new ReverseTunnelRecord
            {
                Id = id, SshPid = live.Pid, SshStartTicks = live.StartTicks - 1, OpenerPid = opener, OpenerStartTicks = 1,
                Host = "nobody@127.0.0.1", SshPort = 22, LocalPort = 1, RemotePort = 2, Url = "http://127.0.0.1:2",
                OpenedAt = DateTimeOffset.UtcNow,
            }.Write(_records);
        }

        var stale = await ReverseTunnelCleaner.CleanStaleAsync(_records);
        Assert.Equal(2, stale.Count);
        Assert.True(live.IsAlive, "the cleaner signalled an unrelated process that reused the pid");

        new ReverseTunnelRecord
        {
            Id = "reused3", SshPid = live.Pid, SshStartTicks = live.StartTicks + 1, OpenerPid = Environment.ProcessId,
            OpenerStartTicks = ProcessIdentity.Current.StartTicks, Host = "nobody@127.0.0.1", SshPort = 22, LocalPort = 1,
            RemotePort = 2, Url = "http://127.0.0.1:2", OpenedAt = DateTimeOffset.UtcNow,
        }.Write(_records);
        Assert.Single(await ReverseTunnelCleaner.CloseAllAsync(_records));
        Assert.True(live.IsAlive, "stop signalled an unrelated process that reused the pid");
        Assert.Empty(Directory.EnumerateFiles(_records));
    }

    [Fact]
    public async Task A_site_without_ssh_is_a_clear_error()
    {
        var error = await Assert.ThrowsAsync<SwarmException>(() => ReverseTunnel.OpenAsync(null, Local(8080), _records));
        Assert.Equal("ReverseTunnelNeedsSsh", error.ErrorId);
        Assert.Contains("ssh section", error.Remediation);

        var site = new SiteProfile { Name = "here", RunRoot = "/tmp", Source = "/profiles/here.yaml" };
        var forSite = await Assert.ThrowsAsync<SwarmException>(() => ReverseTunnel.OpenForSiteAsync(site, Local(8080), _records));
        Assert.Equal("ReverseTunnelNeedsSsh", forSite.ErrorId);
        Assert.Contains("'here' (/profiles/here.yaml)", forSite.Message);

        foreach (var bad in new[] { "ftp://127.0.0.1:21/", "file:///tmp/x" })
        {
            var endpoint = await Assert.ThrowsAsync<SwarmException>(() => ReverseTunnel.OpenAsync(TunnelSettings(), new Uri(bad), _records));
            Assert.Equal("ReverseTunnelEndpointInvalid", endpoint.ErrorId);
        }

        Assert.False(Directory.Exists(_records) && Directory.EnumerateFiles(_records).Any());
    }

    [Fact]
    public async Task A_key_the_site_rejects_fails_the_open_and_leaves_nothing_behind()
    {
        var otherKey = Path.Combine(_records + "-key", "id_ed25519");
        Directory.CreateDirectory(Path.GetDirectoryName(otherKey)!);
        _toDispose.Add(new DirectoryRemover(Path.GetDirectoryName(otherKey)!));
        RunChecked("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", otherKey);

        var error = await Assert.ThrowsAsync<SwarmException>(
            () => ReverseTunnel.OpenAsync(TunnelSettings() with { IdentityFile = otherKey }, Local(8080), _records));

        Assert.Equal("SshAuthenticationFailed", error.ErrorId);
        Assert.Empty(Directory.EnumerateFiles(_records));
    }

    [Fact]
    public async Task A_server_that_refuses_forwarding_names_AllowTcpForwarding()
    {
        var refusing = await StartOwnSshd("AllowTcpForwarding no");
        var local = StartHttpListener("x");

        var error = await Assert.ThrowsAsync<SwarmException>(
            () => ReverseTunnel.OpenAsync(refusing, Local(local), _records, timeout: TimeSpan.FromSeconds(20)));

        Assert.Equal("ReverseTunnelRefused", error.ErrorId);
        Assert.Contains("remote port forwarding failed", error.Message);
        Assert.Contains("AllowTcpForwarding", error.Remediation);
        Assert.Empty(Directory.EnumerateFiles(_records));
    }

    [Fact]
    public async Task A_site_profile_with_a_gateway_listens_on_every_interface_of_the_login_node()
    {
        var gatewaying = await StartOwnSshd("GatewayPorts clientspecified");
        // Any Host name: agents through a gateway send the gateway's name (see docs/exchange.md on the exchange).
        var local = StartHttpListener("hello via the gateway", prefixHost: "+");
        var site = new SiteProfile
        {
            Name = "lab", RunRoot = "runs", Ssh = gatewaying, ExchangeTunnel = true, ExchangeTunnelGateway = "127.0.0.2",
        };

        var tunnel = await ReverseTunnel.OpenForSiteAsync(site, Local(local), _records);

        Assert.Equal(new Uri($"http://127.0.0.2:{tunnel.RemotePort}/"), tunnel.Url);
        // 127.0.0.2 stands for the login node's address on the compute network: bound there too, not only loopback.
        Assert.True(Accepts(tunnel.RemotePort, "127.0.0.2"));
        var fetched = await new OpenSshShell(gatewaying).RunAsync(new ShellCommand("curl", new[] { "-sS", "--max-time", "10", tunnel.Url.ToString() }));
        Assert.True(fetched.ExitCode == 0, fetched.StandardError);
        Assert.Equal("hello via the gateway", fetched.StandardOutput);
        await tunnel.CloseAsync();
        Assert.True(StopsAccepting(tunnel.RemotePort, "127.0.0.2"));
    }

    [Fact]
    public async Task A_loopback_exchange_answers_agents_that_reach_it_through_a_gateway_tunnel()
    {
        var gatewaying = await StartOwnSshd("GatewayPorts clientspecified");
        await using var exchange = LimitedExchange.Start(new ExchangeLimits());
        var site = new SiteProfile
        {
            Name = "lab", RunRoot = "runs", Ssh = gatewaying, ExchangeTunnel = true, ExchangeTunnelGateway = "127.0.0.2",
        };
        var tunnel = await ReverseTunnel.OpenForSiteAsync(site, exchange.Gateway.Url, _records);

        // The agents' requests name the gateway (Host: 127.0.0.2:<port>), not a name of the exchange's listener.
        var fetched = await new OpenSshShell(gatewaying).RunAsync(new ShellCommand("curl", new[]
        {
            "-sS", "--fail-with-body", "--max-time", "10", "-H", $"Authorization: Bearer {LimitedExchange.Token}",
            new Uri(tunnel.Url, "v1/exchange").ToString(),
        }));

        Assert.Equal(new Uri($"http://127.0.0.2:{tunnel.RemotePort}/"), tunnel.Url);
        Assert.True(fetched.ExitCode == 0, fetched.StandardOutput + fetched.StandardError);
        Assert.StartsWith("{", fetched.StandardOutput.TrimStart());
        await tunnel.CloseAsync();
    }

    private static Uri Local(int port) => new($"http://127.0.0.1:{port}/");

    /// <summary>The fixture's settings without multiplexing: a tunnel always has its own connection.</summary>
    private SshSettings TunnelSettings() => sshd.Settings(controlPath: null);

    private int StartHttpListener(string body, string prefixHost = "127.0.0.1")
    {
        var port = FreePort();
        var listener = new HttpListener();
        listener.Prefixes.Add($"http://{prefixHost}:{port}/");
        listener.Start();
        _toDispose.Add(listener);
        _ = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception) when (!listener.IsListening)
                {
                    return;
                }

                var bytes = Encoding.UTF8.GetBytes(body);
                context.Response.ContentLength64 = bytes.Length;
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
        });
        return port;
    }

    private Process StartOpener(int localPort)
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        var testsDirectory = output.Parent!.Parent!.Parent!.Parent!.FullName;
        var opener = Path.Combine(testsDirectory, "SwarmPS.Tunnel.Opener", "bin", output.Parent!.Name, output.Name, "SwarmPS.Tunnel.Opener.dll");
        Assert.True(File.Exists(opener), $"Build tests/SwarmPS.Tunnel.Opener first ({opener}).");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { opener, sshd.Port.ToString(), sshd.User, sshd.KeyFile, sshd.KnownHosts, localPort.ToString(), _records })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        _toKill.Add(process);
        return process;
    }

    /// <summary>
    /// A second sshd of our own (the fixture's config, its host key and keys, another port and the given
    /// extra option), run in the foreground so this test owns and ends it.
    /// </summary>
    private async Task<SshSettings> StartOwnSshd(string option)
    {
        var directory = _records + "-sshd";
        Directory.CreateDirectory(directory);
        _toDispose.Add(new DirectoryRemover(directory));
        var port = FreePort();
        var config = File.ReadAllLines(Path.Combine(SshdFixture.StateDirectory, "sshd_config"))
            .Where(line => !line.StartsWith("ListenAddress", StringComparison.Ordinal) && !line.StartsWith("PidFile", StringComparison.Ordinal))
            .Prepend(option)
            .Append($"ListenAddress 127.0.0.1:{port}")
            .Append($"PidFile {directory}/sshd.pid");
        File.WriteAllLines(Path.Combine(directory, "sshd_config"), config);
        var hostKey = File.ReadAllText(Path.Combine(SshdFixture.StateDirectory, "ssh_host_ed25519_key.pub")).Split(' ');
        File.WriteAllText(Path.Combine(directory, "known_hosts"), $"[127.0.0.1]:{port} {hostKey[0]} {hostKey[1]}\n");
        var daemon = Process.Start(new ProcessStartInfo("/usr/sbin/sshd", new[] { "-D", "-e", "-f", Path.Combine(directory, "sshd_config") })
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        _toKill.Add(daemon);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!Accepts(port))
        {
            if (daemon.HasExited)
            {
                Assert.Fail("sshd exited: " + await daemon.StandardError.ReadToEndAsync());
            }

            Assert.True(DateTime.UtcNow < deadline, "sshd did not listen");
            await Task.Delay(50);
        }

        return TunnelSettings() with
        {
            Port = port,
            Options = new Dictionary<string, string> { ["UserKnownHostsFile"] = Path.Combine(directory, "known_hosts"), ["StrictHostKeyChecking"] = "yes" },
        };
    }

    /// <summary>
    /// Whether the port stops accepting within 10 s. The far sshd drops a forwarded listener when it sees its
    /// session end, a moment after the ssh client is gone (CI once found it still listening right after).
    /// </summary>
    private static bool StopsAccepting(int port, string address = "127.0.0.1")
    {
        var clock = Stopwatch.StartNew();
        while (Accepts(port, address))
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(10))
            {
                return false;
            }

            Thread.Sleep(50);
        }

        return true;
    }

    private static bool Accepts(int port, string address = "127.0.0.1")
    {
        using var client = new TcpClient();
        try
        {
            client.Connect(IPAddress.Parse(address), port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private static void RunChecked(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments))!;
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }

    private sealed class DirectoryRemover(string path) : IDisposable
    {
        public void Dispose()
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
    }
}
