using System.Diagnostics;
using System.Text;
using RabbitMQ.Client;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>RabbitMqBrokerFixture hands out a broker that takes a confirmed publish at its Uri and answers its Ctl.</summary>
[Collection("rabbitmq")]
public sealed class RabbitMqBrokerInfraTests(RabbitMqBrokerFixture broker)
{
    [Fact]
    public async Task TheBrokerConfirmsAPersistentPublishAndItsCtlSeesTheQueue()
    {
        Assert.Equal("amqp://test:test@127.0.0.1:5673/test", broker.Uri.ToString());
        var queue = "infra-broker-" + Guid.NewGuid().ToString("N")[..12];
        var factory = new ConnectionFactory { Uri = broker.Uri, AutomaticRecoveryEnabled = false };
        await using var connection = await factory.CreateConnectionAsync("infra-test-broker");
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(
            publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true, outstandingPublisherConfirmationsRateLimiter: null));
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        try
        {
            await channel.BasicPublishAsync("", queue, mandatory: true, basicProperties: new BasicProperties { Persistent = true }, body: Encoding.UTF8.GetBytes("hello"));

            var list = Process.Start(new ProcessStartInfo(broker.Ctl, ["-q", "list_queues", "-p", "test", "name", "messages"]) { RedirectStandardOutput = true })!;
            var listing = await list.StandardOutput.ReadToEndAsync();
            await list.WaitForExitAsync();
            Assert.Contains($"{queue}\t1", listing, StringComparison.Ordinal);

            var message = await channel.BasicGetAsync(queue, autoAck: true);
            Assert.NotNull(message);
            Assert.Equal("hello", Encoding.UTF8.GetString(message.Body.Span));
        }
        finally
        {
            await channel.QueueDeleteAsync(queue);
        }
    }
}
