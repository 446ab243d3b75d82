using System.Net;
using System.Net.Sockets;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// What must hold before an exchange can start: a valid bind address, the token, the broker settings of the RabbitMq backend, a usable certificate under TLS, no exchange already
/// recorded running in the state directory, and a free port when one is named. A detached start runs it
/// in the calling session, before launching anything, so these errors reach the caller's script with
/// their own ids; <see cref="ExchangeServer.RunAsync"/> runs it again, so both paths refuse alike.
/// </summary>
public static class ExchangeStartCheck
{
    /// <summary>Throws the first problem found; returns the token the exchange will use.</summary>
    public static string Run(ExchangeServerOptions options)
    {
        var address = ParseBindAddress(options.BindAddress);
        var token = ExchangeToken.Resolve(options.TokenVariable, options.TokenFile);
        // The broker's address and credentials are checked here too (not its reachability: the gateway
        // that connects reports that with the broker's own words).
        options.ResolveBroker();
        // Loaded (or, for -SelfSigned, created) here too, so a bad certificate or key fails in the caller's session.
        ExchangeCertificate.For(options)?.Dispose();
        var running = ExchangeStateFile.Read(options.StateDirectory);
        if (running is not null && running.IsRunning())
        {
            throw new SwarmException(
                "ExchangeAlreadyRunning",
                $"An exchange (pid {running.Pid}) is already serving {running.Url} from '{options.StateDirectory}'.",
                "Use it (Get-SwarmExchange), stop it first (Stop-SwarmExchange), or choose another -StateDirectory.",
                SwarmErrorCategory.ResourceExists,
                options.StateDirectory);
        }

        if (options.Port != 0)
        {
            EnsurePortFree(address, options.BindAddress, options.Port);
        }

        return token;
    }

    public static IPAddress ParseBindAddress(string bindAddress) =>
        IPAddress.TryParse(bindAddress, out var address)
            ? address
            : throw new SwarmException(
                "BindAddressInvalid",
                $"'{bindAddress}' is not an IP address to bind the exchange to.",
                "Use 127.0.0.1 (the default, reachable through an SSH tunnel) or the address of one interface, e.g. 10.1.2.3; 0.0.0.0 binds all.",
                SwarmErrorCategory.InvalidArgument,
                bindAddress);

    public static SwarmException PortUnavailable(string bindAddress, int port, string reason, Exception? error = null) => new(
        "ExchangePortUnavailable",
        $"Could not listen on {bindAddress}:{port}: {reason}",
        "Choose another port with -Port (0 picks a free one), or stop what is using this one (ss -ltnp).",
        SwarmErrorCategory.ResourceUnavailable,
        port,
        error);

    /// <summary>
    /// Binds the port for a moment. Another process can still take it before the exchange binds; then the
    /// exchange itself fails with the same error id, which a detached start passes on.
    /// </summary>
    private static void EnsurePortFree(IPAddress address, string bindAddress, int port)
    {
        using var probe = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // Without SO_REUSEADDR a port in TIME_WAIT would look taken although the exchange's listener
            // (which sets it) can bind it. On Linux it still refuses a port someone listens on; on
            // Windows it would not, so there the probe binds exclusively instead.
            if (!OperatingSystem.IsWindows())
            {
                probe.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            }

            probe.Bind(new IPEndPoint(address, port));
            probe.Listen();
        }
        catch (SocketException error)
        {
            throw PortUnavailable(bindAddress, port, error.Message, error);
        }
    }
}
