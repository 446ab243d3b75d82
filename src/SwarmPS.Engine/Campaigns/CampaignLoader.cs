using System.Text.RegularExpressions;
using SwarmPS.Engine.Configuration;

namespace SwarmPS.Engine.Campaigns;

/// <summary>
/// Reads a campaign file (YAML, JSON, or JSON with comments) into a <see cref="Campaign"/>. It refuses
/// what cannot be read at all (syntax, unknown keys, wrong types, missing fields, unset variables,
/// placeholders) with a <see cref="ConfigException"/> that names file, line and column. What can be
/// read but is wrong (a bad name, an unknown site, a peer that does not exist) is left to
/// <see cref="CampaignValidator"/>, which reports every such problem at once instead of the first.
/// </summary>
public static partial class CampaignLoader
{
    private static readonly string[] CampaignKeys =
        { "name", "description", "initial_agent", "user_task", "startup_timeout", "on_peer_lost", "exchange", "agents" };

    private static readonly string[] ExchangeKeys = { "backend", "url", "broker_uri", "broker_name", "token_variable", "heartbeat_interval", "stale_after", "token" };

    private static readonly string[] AgentKeys = { "name", "site", "command", "environment", "peers", "restart_limit", "on_failure" };

    public static Campaign Load(string path, VariableExpander? expander = null)
    {
        var document = ConfigDocument.Load(path, expander);
        var root = document.RootReader("campaign", CampaignKeys);
        if (!root.Has("agents"))
        {
            throw root.Missing("agents");
        }

        return new Campaign
        {
            Name = root.RequiredString("name"),
            Description = root.OptionalString("description"),
            InitialAgent = root.RequiredString("initial_agent"),
            InitialAgentLocation = root.Node("initial_agent")?.Location,
            UserTask = root.RequiredString("user_task"),
            UserTaskLocation = root.Node("user_task")?.Location,
            StartupTimeout = root.OptionalDuration("startup_timeout") ?? Campaign.DefaultStartupTimeout,
            OnPeerLost = ReadPeerLossPolicy(root),
            Exchange = ReadExchange(root),
            Agents = root.MappingList("agents", index => $"agent {index + 1} of 'agents'", AgentKeys).Select(ReadAgent).ToList(),
            Source = Path.GetFullPath(path),
        };
    }

    private static ExchangeSettings ReadExchange(MappingReader root)
    {
        var exchange = root.OptionalMapping("exchange", "exchange settings", ExchangeKeys);
        if (exchange is null)
        {
            return new ExchangeSettings();
        }

        if (exchange.Has("token"))
        {
            // A token written into a campaign file ends up in git history and in copies on every site.
            throw exchange.Invalid(
                "token", "The exchange token is written into the campaign file; a campaign file never holds secrets.",
                $"Remove 'token:', export the token in an environment variable and name that variable in 'token_variable:' (default {ExchangeSettings.DefaultTokenVariable}).");
        }

        var backend = exchange.OptionalString("backend") ?? ExchangeSettings.DefaultBackend;
        if (!ExchangeSettings.KnownBackends.Contains(backend))
        {
            var nearest = NearestKey.Suggest(backend, ExchangeSettings.KnownBackends);
            throw exchange.Invalid(
                "backend", $"'{backend}' is not an exchange backend.",
                $"{(nearest is null ? "" : $"Did you mean '{nearest}'? ")}Use one of: {string.Join(", ", ExchangeSettings.KnownBackends)}.");
        }

        var urls = ReadExchangeUrls(exchange, backend);
        // Optional: the gateways may be started from elsewhere; a campaign that names its broker lets a script start them.
        var (brokerUri, brokerName) = BrokerUriText.ReadKeys(exchange, backend, backend == ExchangeSettings.RabbitMqBackend, uriRequired: false);

        var tokenVariable = exchange.OptionalString("token_variable") ?? ExchangeSettings.DefaultTokenVariable;
        if (!EnvironmentName().IsMatch(tokenVariable))
        {
            throw exchange.Invalid(
                "token_variable", $"'{tokenVariable}' is not an environment variable name.",
                "Name the variable that holds the token (letters, digits and '_', not starting with a digit), such as SWARM_EXCHANGE_TOKEN; do not write the token itself.");
        }

        return new ExchangeSettings
        {
            Backend = backend,
            Urls = urls,
            BrokerUri = brokerUri,
            BrokerName = brokerName,
            TokenVariable = tokenVariable,
            HeartbeatInterval = exchange.OptionalDuration("heartbeat_interval") ?? ExchangeSettings.DefaultHeartbeatInterval,
            StaleAfter = exchange.OptionalDuration("stale_after"),
        };
    }

    /// <summary>
    /// exchange.url: the address agents reach the exchange at; for the rabbitmq backend, one or more gateways
    /// (comma-separated) and required, since agents never speak AMQP themselves.
    /// </summary>
    private static IReadOnlyList<Uri> ReadExchangeUrls(MappingReader exchange, string backend)
    {
        var text = exchange.OptionalString("url");
        if (text is null)
        {
            return backend == ExchangeSettings.RabbitMqBackend
                ? throw exchange.Invalid("url", "The rabbitmq backend needs 'url:': the gateways agents send and receive through.", "List the URLs Start-SwarmExchange -Backend RabbitMq printed, comma-separated, e.g. url: http://login01:8471/,http://login02:8471/.")
                : [];
        }

        var urls = new List<Uri>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!(Uri.TryCreate(part, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" or "amqp" or "amqps"))
            {
                throw exchange.Invalid(
                    "url", $"'{part}' is not an absolute http, https, amqp or amqps address.",
                    "Write the full address agents use to reach the exchange, such as http://login01:8765/.");
            }

            if (backend == ExchangeSettings.RabbitMqBackend && uri.Scheme is not ("http" or "https"))
            {
                throw exchange.Invalid(
                    "url", $"'{part}' is the broker's address; agents reach the rabbitmq backend through its gateways over HTTP(S).",
                    "Put the gateways' http(s) URLs in 'url:' and the broker's amqp:// address in 'broker_uri:'.");
            }

            urls.Add(uri);
        }

        if (urls.Count > 1 && backend != ExchangeSettings.RabbitMqBackend)
        {
            throw exchange.Invalid("url", $"'url:' lists {urls.Count} addresses, and only the rabbitmq backend has several gateways.", "Give the one address of the exchange, or set 'backend: rabbitmq'.");
        }

        return urls;
    }

    private static readonly IReadOnlyList<string> PeerLossPolicies = new[] { "continue", "stop" };

    private static PeerLossPolicy ReadPeerLossPolicy(MappingReader root)
    {
        var text = root.OptionalString("on_peer_lost");
        switch (text)
        {
            case null or "continue":
                return PeerLossPolicy.Continue;
            case "stop":
                return PeerLossPolicy.Stop;
            default:
                var nearest = NearestKey.Suggest(text, PeerLossPolicies);
                throw root.Invalid(
                    "on_peer_lost", $"'{text}' is not a peer-loss policy.",
                    $"{(nearest is null ? "" : $"Did you mean '{nearest}'? ")}Use one of: {string.Join(", ", PeerLossPolicies)} (continue keeps this site's agents running when a peer on another site is lost; stop stops them).");
        }
    }

    private static CampaignAgent ReadAgent(MappingReader agent) => new()
    {
        Name = agent.RequiredString("name"),
        Site = agent.RequiredString("site"),
        Command = ReadCommand(agent),
        Environment = agent.StringMap("environment"),
        AllowedPeers = agent.StringList("peers"),
        RestartLimit = agent.OptionalInt("restart_limit") ?? CampaignAgent.DefaultRestartLimit,
        OnFailure = ReadFailurePolicy(agent),
        Location = agent.Location,
    };

    private static readonly IReadOnlyList<string> FailurePolicies = new[] { "stop_site", "continue" };

    private static AgentFailurePolicy ReadFailurePolicy(MappingReader agent)
    {
        var text = agent.OptionalString("on_failure");
        switch (text)
        {
            case null or "stop_site":
                return AgentFailurePolicy.StopSite;
            case "continue":
                return AgentFailurePolicy.Continue;
            default:
                var nearest = NearestKey.Suggest(text, FailurePolicies);
                throw agent.Invalid(
                    "on_failure", $"'{text}' is not an agent failure policy.",
                    $"{(nearest is null ? "" : $"Did you mean '{nearest}'? ")}Use one of: {string.Join(", ", FailurePolicies)} (stop_site fails the site and stops its other agents when this agent fails; continue records the failure and keeps them running).");
        }
    }

    private static IReadOnlyList<string> ReadCommand(MappingReader agent)
    {
        var node = agent.Node("command");
        if (node is null)
        {
            throw agent.Missing("command");
        }

        if (node is ConfigScalar scalar)
        {
            // Splitting a string into argv is a shell's job, and every site's shell would do it
            // differently (quotes, $, globs); a list reaches the process exactly as written.
            var words = scalar.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var suggestion = "[" + string.Join(", ", words.Select(word => $"\"{word.Replace("\"", "\\\"")}\"")) + "]";
            throw new ConfigException(
                "ConfigCommandNotList", scalar.Location,
                "'command' is a single string; a command is a list of program and arguments (argv).",
                $"Write it as a list, one argument per item, for example: command: {suggestion}. SwarmPS never hands a command to a shell to split, so arguments with spaces or quotes arrive exactly as written.");
        }

        // An empty list (command: []) reads as is; the validator reports it as CommandEmpty together
        // with everything else wrong in the file.
        return agent.StringList("command");
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant)]
    internal static partial Regex EnvironmentName();
}
