using System.Globalization;
using System.Runtime.InteropServices;
using SwarmPS.Engine;
using SwarmPS.Engine.Exchange;

// Usage: SwarmPS.Exchange.Host --state-dir DIR [--port N] [--bind ADDR] [--token-variable NAME]
//        [--token-file FILE] [--heartbeat-ms N] [--max-body-bytes N]
//        [--backend Sqlite|RabbitMq --broker-uri URIS --broker-name NAME] (broker credentials from SWARM_BROKER_USER/PASSWORD)
// Prints "SWARM_EXCHANGE_READY <url>" once clients can connect; SIGTERM or Ctrl+C stops it.
var options = new ExchangeServerOptions();
var limits = new ExchangeLimits();
for (var i = 0; i < args.Length; i++)
{
    var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--state-dir": options = options with { StateDirectory = value }; break;
        case "--port": options = options with { Port = int.Parse(value, CultureInfo.InvariantCulture) }; break;
        case "--bind": options = options with { BindAddress = value }; break;
        case "--token-variable": options = options with { TokenVariable = value }; break;
        case "--token-file": options = options with { TokenFile = value }; break;
        case "--heartbeat-ms": limits = limits with { HeartbeatThreshold = TimeSpan.FromMilliseconds(int.Parse(value, CultureInfo.InvariantCulture)) }; break;
        case "--max-body-bytes": limits = limits with { MaxBodyBytes = int.Parse(value, CultureInfo.InvariantCulture) }; break;
        case "--backend": options = options with { Backend = Enum.Parse<ExchangeBackend>(value, ignoreCase: true) }; break;
        case "--broker-uri": options = options with { BrokerUri = value }; break;
        case "--broker-name": options = options with { BrokerName = value }; break;
        default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
    }

    i++;
}

options = options with { Limits = limits };
using var stopping = new CancellationTokenSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stopping.Cancel();
});
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stopping.Cancel();
};

try
{
    await ExchangeServer.RunAsync(options, url => Console.WriteLine($"SWARM_EXCHANGE_READY {url}"), stopping.Token);
    return 0;
}
catch (SwarmException error)
{
    Console.Error.WriteLine(error.ToString());
    return 1;
}
