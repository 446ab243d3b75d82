using SwarmPS.Engine.Sites;

// usage: SwarmPS.Tunnel.Opener <sshPort> <user> <identityFile> <knownHosts> <localPort> <recordDirectory>
// Opens a reverse tunnel to the test sshd on 127.0.0.1, prints "remote_port=<n> ssh_pid=<pid>", then waits
// until killed: the test kills it with -9, as an operator's crashed launch would be.
if (args.Length != 6)
{
    Console.Error.WriteLine("usage: SwarmPS.Tunnel.Opener <sshPort> <user> <identityFile> <knownHosts> <localPort> <recordDirectory>");
    return 2;
}

var ssh = new SshSettings
{
    Host = "127.0.0.1",
    Port = int.Parse(args[0]),
    User = args[1],
    IdentityFile = args[2],
    ConfigFile = "/dev/null",
    ControlPath = null,
    Options = new Dictionary<string, string> { ["UserKnownHostsFile"] = args[3], ["StrictHostKeyChecking"] = "yes" },
};
var tunnel = await ReverseTunnel.OpenAsync(ssh, new Uri($"http://127.0.0.1:{int.Parse(args[4])}/"), args[5]);
Console.WriteLine($"remote_port={tunnel.RemotePort} ssh_pid={tunnel.Ssh.Pid}");
Console.Out.Flush();
await Task.Delay(Timeout.Infinite);
return 0;
