using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// One gateway's AMQP connection to the broker cluster, made again on the next node when the one it was on
/// goes away. The client's own automatic recovery is off on purpose: it would re-create consumers whose
/// unacknowledged deliveries the broker has already put back, and the leases held on them would silently
/// point at nothing. Instead every user of a channel sees it close and opens a new one here.
/// </summary>
public sealed class BrokerConnection : IAsyncDisposable
{
    private readonly RabbitMqSettings _settings;
    private readonly ConnectionFactory _factory;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IConnection? _connection;
    private bool _disposed;

    public BrokerConnection(RabbitMqSettings settings, string clientName)
    {
        _settings = settings;
        _factory = new ConnectionFactory
        {
            UserName = settings.User,
            Password = settings.Password,
            VirtualHost = settings.VirtualHost,
            AutomaticRecoveryEnabled = false,
            TopologyRecoveryEnabled = false,
            ClientProvidedName = clientName,
            RequestedHeartbeat = TimeSpan.FromSeconds(10),
            RequestedConnectionTimeout = TimeSpan.FromSeconds(5),
            // One delivery at a time per channel: the registry fold and a mailbox's buffer depend on order
            // (each mailbox has a channel of its own, so mailboxes are still served side by side).
            ConsumerDispatchConcurrency = 1,
        };
    }

    /// <summary>A channel on the current connection (connecting first, to the first node that answers).</summary>
    public async Task<IChannel> OpenChannelAsync(bool confirms, CancellationToken cancellationToken)
    {
        var connection = await ConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Publisher confirms with tracking: a publish completes when the broker has it on its quorum.
            // The client's default limiter on outstanding confirms throttles to ~128 msg/s; concurrency is
            // bounded instead by the gateway's own request slots.
            var options = confirms
                ? new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true, outstandingPublisherConfirmationsRateLimiter: null)
                : null;
            return await connection.CreateChannelAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is AlreadyClosedException or OperationInterruptedException or IOException)
        {
            Forget(connection);
            throw Unavailable(error);
        }
    }

    /// <summary>Drops the connection a failed call was made on, so the next channel is opened on a fresh one.</summary>
    public void Forget(IConnection? failed)
    {
        if (failed is not null && ReferenceEquals(Volatile.Read(ref _connection), failed))
        {
            Interlocked.CompareExchange(ref _connection, null, failed);
            _ = failed.DisposeAsync().AsTask().ContinueWith(static t => t.Exception, TaskContinuationOptions.OnlyOnFaulted);
        }
    }

    private async Task<IConnection> ConnectionAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _connection) is { IsOpen: true } open)
        {
            return open;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_connection is { IsOpen: true } current)
            {
                return current;
            }

            Forget(_connection);
            var endpoints = _settings.Brokers.Select(b => new AmqpTcpEndpoint(b.Host, b.Port)).ToList();
            try
            {
                _connection = await _factory.CreateConnectionAsync(endpoints, cancellationToken).ConfigureAwait(false);
                return _connection;
            }
            catch (Exception error) when (error is BrokerUnreachableException or AuthenticationFailureException or OperationInterruptedException or IOException)
            {
                throw error is AuthenticationFailureException || error.InnerException is AuthenticationFailureException
                    ? new SwarmException("BrokerAuthenticationFailed", $"The broker at {string.Join(", ", _settings.Brokers)} refused user '{_settings.User}': {error.Message}", $"Check {RabbitMqSettings.UserVariable}/{RabbitMqSettings.PasswordVariable} (or the credentials file) and that the user may use virtual host '{_settings.VirtualHost}'.", SwarmErrorCategory.PermissionDenied, _settings.User, error)
                    : Unavailable(error);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The broker (every node given) could not be reached or dropped the call.</summary>
    public SwarmException Unavailable(Exception error) => new(
        "BrokerUnavailable",
        $"The RabbitMQ broker ({string.Join(", ", _settings.Brokers)}) did not answer: {error.Message}",
        "Check that a node of the cluster is up and reachable from this host (rabbitmqctl cluster_status); the request is safe to retry, message ids make resends idempotent.",
        SwarmErrorCategory.ResourceUnavailable,
        _settings.Name,
        error);

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            if (_connection is { } connection)
            {
                _connection = null;
                try
                {
                    await connection.CloseAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
                }
                catch (Exception error) when (error is AlreadyClosedException or OperationInterruptedException or IOException or TimeoutException)
                {
                    // Closing a connection the broker already dropped.
                }

                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
