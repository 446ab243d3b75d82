using SwarmPS.Engine.Tests.Scheduler;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>
/// The single RabbitMQ broker of tests/infra/start-rabbitmq.sh (127.0.0.1:5673, user/vhost test), the one
/// .ci/run starts: reused when it is running, else started here and stopped again after the last test of
/// this process that uses it. If it cannot start, the fixture throws with the script's output, so the
/// tests that need it fail instead of passing without a broker.
/// </summary>
public sealed class RabbitMqBrokerFixture : SchedulerInfrastructure
{
    public const string State = "/tmp/swarmps-infra/rabbitmq";

    public RabbitMqBrokerFixture()
    {
        var output = StartService("start-rabbitmq.sh", State);
        // "rabbitmq_pid=<pid> port=<p> user=<u> password=<pw> vhost=<v>" then "ctl=<wrapper> node=<name>"
        var fields = output.Split(['\n', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(f => f.Split('=', 2)).Where(kv => kv.Length == 2).GroupBy(kv => kv[0]).ToDictionary(g => g.Key, g => g.Last()[1]);
        string Field(string name) => fields.TryGetValue(name, out var value) ? value
            : throw new InvalidOperationException($"start-rabbitmq.sh did not print {name}=:\n{output}");
        Uri = new Uri($"amqp://{Field("user")}:{Field("password")}@127.0.0.1:{Field("port")}/{Uri.EscapeDataString(Field("vhost"))}");
        Ctl = Field("ctl");
    }

    /// <summary>amqp://test:test@127.0.0.1:5673/test (user, password and vhost as the script printed them).</summary>
    public Uri Uri { get; }

    /// <summary>The broker's rabbitmqctl wrapper (STATE/rabbitmqctl: node name, cookie and epmd port set).</summary>
    public string Ctl { get; }

    /// <summary>The RabbitMQ backend's settings for an exchange called <paramref name="name"/> on this broker (the credentials apart from the URI, as SwarmPS takes them).</summary>
    public SwarmPS.Engine.Exchange.RabbitMqSettings Settings(string name)
    {
        var credentials = Uri.UnescapeDataString(Uri.UserInfo).Split(':', 2);
        return new() { Brokers = [new Uri($"amqp://{Uri.Host}:{Uri.Port}{Uri.AbsolutePath}")], User = credentials[0], Password = credentials[1], Name = name };
    }
}

[CollectionDefinition(Name)]
public sealed class RabbitMqCollection : ICollectionFixture<RabbitMqBrokerFixture>
{
    public const string Name = "rabbitmq";
}
