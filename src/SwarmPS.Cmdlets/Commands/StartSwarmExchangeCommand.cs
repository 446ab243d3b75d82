using System.Management.Automation;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Processes;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Cmdlets;

/// <summary>Start-SwarmExchange: runs the embedded exchange, detached (default) or in this session (-Foreground).</summary>
[Cmdlet(VerbsLifecycle.Start, "SwarmExchange", SupportsShouldProcess = true)]
[OutputType(typeof(ExchangeInfo))]
public sealed class StartSwarmExchangeCommand : SwarmCmdlet
{
    private const int StartActivityId = 0x5e3c;

    /// <summary>How long a detached exchange may take to listen.</summary>
    private static readonly TimeSpan DetachedReadyTimeout = TimeSpan.FromSeconds(60);

    [Parameter]
    [ValidateRange(0, 65535)]
    public int Port { get; set; }

    [Parameter]
    public string BindAddress { get; set; } = "127.0.0.1";

    [Parameter]
    public string? StateDirectory { get; set; }

    [Parameter]
    public string TokenVariable { get; set; } = ExchangeToken.DefaultVariable;

    /// <summary>PEM certificate to serve HTTPS with; needs -KeyFile.</summary>
    [Parameter]
    public string? CertificateFile { get; set; }

    /// <summary>PEM private key of -CertificateFile (mode 600).</summary>
    [Parameter]
    public string? KeyFile { get; set; }

    /// <summary>Serve HTTPS with a certificate the exchange creates in its state directory and reuses; agents pin its fingerprint.</summary>
    [Parameter]
    public SwitchParameter SelfSigned { get; set; }

    /// <summary>What keeps the mailboxes: Sqlite (one file in the state directory, the default) or RabbitMq (quorum queues on a broker cluster, several gateways).</summary>
    [Parameter]
    [ValidateSet("Sqlite", "RabbitMq")]
    public string Backend { get; set; } = "Sqlite";

    /// <summary>RabbitMq: amqp://host:port/vhost of the broker's nodes, comma-separated, without credentials.</summary>
    [Parameter]
    public string? BrokerUri { get; set; }

    /// <summary>RabbitMq: a mode-600 file holding user:password; without it SWARM_BROKER_USER and SWARM_BROKER_PASSWORD.</summary>
    [Parameter]
    public string? BrokerCredentialFile { get; set; }

    /// <summary>RabbitMq: the exchange's name on the broker; every gateway started with the same name serves the same mailboxes.</summary>
    [Parameter]
    public string? BrokerName { get; set; }

    /// <summary>A site whose profile's exchange block gives the backend and broker (the parameters above, when given, win).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Site { get; set; }

    [Parameter]
    public SwitchParameter Foreground { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord() => Run(() =>
    {
        // A site's exchange block gives what the command line leaves out; what it says wins.
        var site = Site is null ? null : SiteCatalog.Default.Get(Site).Exchange;
        var backend = MyInvocation.BoundParameters.ContainsKey(nameof(Backend)) || site is null ? Backend : site.Backend;
        var options = new ExchangeServerOptions
        {
            Port = Port,
            BindAddress = BindAddress,
            TokenVariable = TokenVariable,
            StateDirectory = StateDirectory is null ? ExchangeServerOptions.DefaultStateDirectory() : GetUnresolvedProviderPathFromPSPath(StateDirectory),
            CertificateFile = CertificateFile is null ? null : GetUnresolvedProviderPathFromPSPath(CertificateFile),
            KeyFile = KeyFile is null ? null : GetUnresolvedProviderPathFromPSPath(KeyFile),
            SelfSigned = SelfSigned,
            Backend = Enum.Parse<ExchangeBackend>(backend, ignoreCase: true),
            BrokerUri = BrokerUri ?? site?.BrokerUri,
            BrokerCredentialFile = BrokerCredentialFile is null ? null : GetUnresolvedProviderPathFromPSPath(BrokerCredentialFile),
            BrokerName = BrokerName ?? site?.BrokerName,
        };
        if (!ShouldProcess($"{options.BindAddress}:{options.Port} ({options.StateDirectory})", "Start exchange"))
        {
            return;
        }

        if (Foreground)
        {
            // Serves until Ctrl+C; the -PassThru object and the ready line are written on this thread as
            // soon as it listens. The line goes to the host: a table of one object stays buffered in
            // Out-Default until a second object or the end, which for a server never comes.
            Await(writer => ExchangeServer.RunAsync(
                options,
                url => writer.Post(() =>
                {
                    var state = ExchangeStateFile.Read(options.StateDirectory);
                    if (PassThru)
                    {
                        WriteObject(new ExchangeInfo(url, Environment.ProcessId, TimeSpan.Zero, 0, 0, 0, 0, options.StateDirectory, state?.Fingerprint, state?.CertificateFile));
                    }

                    WriteInformation(
                        new HostInformationMessage { Message = $"[exchange] serving {url} (pid {Environment.ProcessId}) from {options.StateDirectory}{Pin(state)}; Ctrl+C stops it" },
                        new[] { "PSHOST", "SwarmPS", "Landmark" });
                }),
                StopToken).ContinueWith(t => { t.GetAwaiter().GetResult(); return true; }, TaskScheduler.Default));
            return;
        }

        var child = DetachedChild();
        // A new record each time: PowerShell keeps the records it was given, so a reused one would be
        // rewritten under whoever collects them.
        var activity = $"Starting the exchange in {options.StateDirectory}";
        ExchangeStateFile state;
        try
        {
            state = Await(writer => DetachedExchangeLaunch.StartAsync(
                options,
                child,
                DetachedReadyTimeout,
                writer.Progress<string>(step => WriteProgress(new ProgressRecord(StartActivityId, activity, step))),
                StopToken));
        }
        finally
        {
            // A stopped pipeline takes no more writes; its host clears the progress itself.
            if (!StopToken.IsCancellationRequested)
            {
                WriteProgress(new ProgressRecord(StartActivityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
            }
        }

        WriteLandmark($"[exchange] serving {state.Url} (pid {state.Pid}){Pin(state)}; log {state.LogFile}");
        if (PassThru)
        {
            WriteObject(Await(_ => ExchangeInfo.ReadAsync(options.StateDirectory, null, TokenVariable, StopToken)));
        }
    });

    /// <summary>What agents pin, said where the operator sees it.</summary>
    private static string Pin(ExchangeStateFile? state) =>
        state?.Fingerprint is { } fingerprint ? $"; agents pin SWARM_EXCHANGE_PIN={fingerprint} or trust SWARM_EXCHANGE_CA={state.CertificateFile}" : "";

    /// <summary>The detached exchange: this installation's pwsh ($PSHOME, never the process path) running this cmdlet in the foreground.</summary>
    private Func<ExchangeServerOptions, IReadOnlyList<string>> DetachedChild()
    {
        var pwsh = ChildPwsh.In((string)SessionState.PSVariable.GetValue("PSHOME"));
        var manifest = ModuleManifestPath.For(ChildPwsh.ModuleOf(MyInvocation.MyCommand.Module?.Path));
        return exchange => DetachedPwsh.StartExchange(
            pwsh, manifest, exchange.Port, exchange.BindAddress, exchange.StateDirectory, exchange.TokenVariable, exchange.CertificateFile, exchange.KeyFile, exchange.SelfSigned,
            exchange.Backend.ToString(), exchange.BrokerUri, exchange.BrokerCredentialFile, exchange.BrokerName);
    }
}
