using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>Broker addresses and credentials: never from a URI, an exposed file refused, each problem named with its fix.</summary>
public sealed class RabbitMqSettingsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("swarm-broker-settings-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string CredentialsFile(string text, UnixFileMode mode)
    {
        var path = Path.Combine(_directory, Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, mode);
        return path;
    }

    [Fact]
    public void Several_nodes_of_one_vhost_are_read_in_order_with_the_default_port()
    {
        var settings = RabbitMqSettings.Resolve("amqp://mq1/swarm, amqp://mq2:5673/swarm", CredentialsFile("op:pw\n", UnixFileMode.UserRead | UnixFileMode.UserWrite), "prod");

        Assert.Equal([new Uri("amqp://mq1:5672/swarm"), new Uri("amqp://mq2:5673/swarm")], settings.Brokers);
        Assert.Equal(("op", "pw"), (settings.User, settings.Password));
        Assert.Equal("swarm", settings.VirtualHost);
        Assert.DoesNotContain("pw", settings.ToString().Replace("op", ""));
    }

    [Fact]
    public void A_uri_carrying_credentials_is_refused_without_repeating_the_password()
    {
        var error = Assert.Throws<SwarmException>(() => RabbitMqSettings.ParseBrokers("amqp://op:hunter2@mq1:5672/swarm"));

        Assert.Equal("BrokerUriHasCredentials", error.ErrorId);
        Assert.DoesNotContain("hunter2", error.Message + error.Remediation);
        Assert.Contains(RabbitMqSettings.PasswordVariable, error.Remediation);
    }

    [Theory]
    [InlineData("", "BrokerUriMissing")]
    [InlineData("http://mq1:5672/", "BrokerUriInvalid")]
    [InlineData("amqp://mq1/a,amqp://mq2/b", "BrokerUriInvalid")]
    public void Bad_broker_lists_are_named(string text, string errorId) =>
        Assert.Equal(errorId, Assert.Throws<SwarmException>(() => RabbitMqSettings.ParseBrokers(text)).ErrorId);

    [Fact]
    public void A_credentials_file_others_can_read_is_refused()
    {
        var path = CredentialsFile("op:pw", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        Assert.Equal("BrokerCredentialsFileExposed", Assert.Throws<SwarmException>(() => RabbitMqSettings.Resolve("amqp://mq1/", path)).ErrorId);
    }

    [Theory]
    [InlineData("only-a-user")]
    [InlineData(":no-user")]
    [InlineData("no-password:")]
    public void A_credentials_file_without_user_and_password_is_refused(string text)
    {
        var path = CredentialsFile(text, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        Assert.Equal("BrokerCredentialsInvalid", Assert.Throws<SwarmException>(() => RabbitMqSettings.Resolve("amqp://mq1/", path)).ErrorId);
    }

    [Fact]
    public void An_exchange_name_that_cannot_prefix_queue_names_is_refused() =>
        Assert.Equal("BrokerNameInvalid", Assert.Throws<SwarmException>(() =>
            RabbitMqSettings.Resolve("amqp://mq1/", CredentialsFile("op:pw", UnixFileMode.UserRead), "has space")).ErrorId);
}
