using SwarmPS.Engine.LiveTraining;

namespace SwarmPS.Engine.Tests.LiveTraining;

/// <summary>
/// The bodies the roles exchange: each kind of message survives ToBody and TryParse whole, and any other body
/// an agent of the run sends (not JSON, not an object, another version, too long, too deep, a field of the
/// wrong type) is false, never an exception. Unknown fields of a version-1 message are ignored: a later
/// SwarmPS may add an optional field without every older role dropping its messages; an incompatible change
/// raises <c>swarmps_training</c>, which is refused.
/// </summary>
public sealed class TrainingMessageTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 1, 19, 30, 0, 125, TimeSpan.FromHours(2));
    private static readonly string Digest = "sha256:" + new string('d', 64);

    public static TheoryData<string> Kinds() => new()
    {
        TrainingMessage.Join, TrainingMessage.Admitted, TrainingMessage.Refused, TrainingMessage.Heartbeat,
        TrainingMessage.Contributed, TrainingMessage.Failed, TrainingMessage.Stop,
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Each_kind_survives_the_round_trip_with_every_field(string kind)
    {
        var sent = Message(kind);

        Assert.True(TrainingMessage.TryParse(sent.ToBody(), out var received));
        Assert.Equal(sent, received);
    }

    [Fact]
    public void The_body_uses_the_documented_names_and_leaves_out_what_is_not_set()
    {
        var body = new TrainingMessage { Kind = TrainingMessage.Heartbeat, Contributor = "c1", Phase = "train", Step = 12, Loss = 0.5, At = At }.ToBody();

        Assert.Contains("\"swarmps_training\":1", body, StringComparison.Ordinal);
        Assert.Contains("\"kind\":\"heartbeat\"", body, StringComparison.Ordinal);
        Assert.Contains("\"step\":12", body, StringComparison.Ordinal);
        Assert.DoesNotContain("null", body, StringComparison.Ordinal);
        Assert.DoesNotContain("proof", body, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> NotMessages() => new()
    {
        { "plain text", "hello coordinator" },
        { "empty", "" },
        { "blank", "   \n\t" },
        { "JSON null", "null" },
        { "JSON array", "[{\"swarmps_training\":1,\"kind\":\"join\",\"contributor\":\"c1\"}]" },
        { "JSON number", "42" },
        { "JSON string", "\"join\"" },
        { "empty object", "{}" },
        { "no kind", "{\"swarmps_training\":1,\"contributor\":\"c1\"}" },
        { "no contributor", "{\"swarmps_training\":1,\"kind\":\"join\"}" },
        { "kind null", "{\"swarmps_training\":1,\"kind\":null,\"contributor\":\"c1\"}" },
        { "contributor null", "{\"swarmps_training\":1,\"kind\":\"join\",\"contributor\":null}" },
        { "kind empty", "{\"swarmps_training\":1,\"kind\":\"\",\"contributor\":\"c1\"}" },
        { "contributor empty", "{\"swarmps_training\":1,\"kind\":\"join\",\"contributor\":\"\"}" },
        { "version 2", "{\"swarmps_training\":2,\"kind\":\"join\",\"contributor\":\"c1\"}" },
        { "version 0", "{\"swarmps_training\":0,\"kind\":\"join\",\"contributor\":\"c1\"}" },
        { "version as string", "{\"swarmps_training\":\"1\",\"kind\":\"join\",\"contributor\":\"c1\"}" },
        { "kind as number", "{\"kind\":7,\"contributor\":\"c1\"}" },
        { "contributor as object", "{\"kind\":\"join\",\"contributor\":{\"id\":\"c1\"}}" },
        { "step as string", "{\"kind\":\"heartbeat\",\"contributor\":\"c1\",\"step\":\"12\"}" },
        { "step fractional", "{\"kind\":\"heartbeat\",\"contributor\":\"c1\",\"step\":1.5}" },
        { "step past long", "{\"kind\":\"heartbeat\",\"contributor\":\"c1\",\"step\":1e30}" },
        { "loss as string", "{\"kind\":\"heartbeat\",\"contributor\":\"c1\",\"loss\":\"NaN\"}" },
        { "loss past double", "{\"kind\":\"heartbeat\",\"contributor\":\"c1\",\"loss\":1e400}" },
        { "loss past minus double", "{\"kind\":\"heartbeat\",\"contributor\":\"c1\",\"loss\":-1e400}" },
        { "at not a time", "{\"kind\":\"heartbeat\",\"contributor\":\"c1\",\"at\":\"yesterday\"}" },
        { "proof as array", "{\"kind\":\"join\",\"contributor\":\"c1\",\"proof\":[\"x\"]}" },
        { "truncated", "{\"kind\":\"join\",\"contributor\":\"c1\"" },
        { "trailing text", "{\"kind\":\"join\",\"contributor\":\"c1\"} and more" },
        { "two objects", "{\"kind\":\"join\",\"contributor\":\"c1\"}{\"kind\":\"join\",\"contributor\":\"c1\"}" },
        { "comment", "{\"kind\":\"join\",/* hi */\"contributor\":\"c1\"}" },
        { "trailing comma", "{\"kind\":\"join\",\"contributor\":\"c1\",}" },
        { "single quotes", "{'kind':'join','contributor':'c1'}" },
        { "deep arrays", new string('[', 10_000) },
        { "deep inside an object", "{\"kind\":\"join\",\"contributor\":\"c1\",\"extra\":" + new string('[', 10_000) + new string(']', 10_000) + "}" },
        { "deep objects", "{\"kind\":\"join\",\"contributor\":\"c1\",\"extra\":" + string.Concat(Enumerable.Repeat("{\"a\":", 5_000)) + "1" + new string('}', 5_000) + "}" },
        { "escaped lone surrogate", "{\"kind\":\"join\",\"contributor\":\"c\\uD800\"}" },
    };

    [Theory]
    [MemberData(nameof(NotMessages))]
    public void A_body_that_is_not_a_version_1_message_is_false_and_never_throws(string what, string body)
    {
        Assert.False(TrainingMessage.TryParse(body, out var message), what);
        Assert.Null(message);
    }

    [Fact]
    public void A_message_padded_past_MaxBodyChars_is_refused_and_one_at_the_limit_is_read()
    {
        var prefix = "{\"kind\":\"failed\",\"contributor\":\"c1\",\"reason\":\"";
        var suffix = "\"}";
        var atLimit = prefix + new string('x', TrainingMessage.MaxBodyChars - prefix.Length - suffix.Length) + suffix;
        var overLimit = prefix + new string('x', TrainingMessage.MaxBodyChars - prefix.Length - suffix.Length + 1) + suffix;
        var sixteenKiBOfWhitespace = new string(' ', 16 * 1024) + "{\"kind\":\"stop\",\"contributor\":\"c1\"}";

        Assert.Equal(TrainingMessage.MaxBodyChars, atLimit.Length);
        Assert.True(TrainingMessage.TryParse(atLimit, out var read));
        Assert.Equal(TrainingMessage.Failed, read!.Kind);
        Assert.False(TrainingMessage.TryParse(overLimit, out _));
        Assert.False(TrainingMessage.TryParse(sixteenKiBOfWhitespace, out _));
        Assert.False(TrainingMessage.TryParse(new string('[', 1_000_000), out _));
    }

    [Fact]
    public void A_body_with_a_lone_surrogate_is_false_and_never_throws()
    {
        // Built here, not in theory data: xunit's theory serialization would replace the surrogate with U+FFFD.
        var body = "{\"kind\":\"join\",\"contributor\":\"c" + (char)0xD800 + "\"}";

        Assert.False(TrainingMessage.TryParse(body, out var message));
        Assert.Null(message);
    }

    [Fact]
    public void Unknown_fields_of_a_version_1_message_are_ignored()
    {
        var body = "{\"swarmps_training\":1,\"kind\":\"heartbeat\",\"contributor\":\"c1\",\"step\":3,"
            + "\"added_later\":{\"nested\":[1,2,{\"x\":null}]},\"kind_hint\":\"ignored\"}";

        Assert.True(TrainingMessage.TryParse(body, out var message));
        Assert.Equal((TrainingMessage.Heartbeat, "c1", 3L), (message!.Kind, message.Contributor, message.Step));
    }

    [Fact]
    public void A_body_without_the_version_field_is_read_as_version_1()
    {
        // The field defaults to 1, so only a body that names another version is refused for it.
        Assert.True(TrainingMessage.TryParse("  {\"kind\":\"stop\",\"contributor\":\"c1\",\"reason\":\"drift\"}", out var message));
        Assert.Equal((1, TrainingMessage.Stop, "drift"), (message!.Version, message.Kind, message.Reason));
    }

    private static TrainingMessage Message(string kind) => kind switch
    {
        TrainingMessage.Join => new() { Kind = kind, Contributor = "c1", PlanDigest = Digest, Proof = "hmac-sha256:" + new string('0', 64), At = At },
        TrainingMessage.Admitted => new() { Kind = kind, Contributor = "c1", PlanDigest = Digest, At = At },
        TrainingMessage.Heartbeat => new() { Kind = kind, Contributor = "c1", Phase = "train", Step = long.MaxValue, Loss = 1.0 / 3.0, At = At },
        TrainingMessage.Contributed => new() { Kind = kind, Contributor = "c1", ManifestDigest = Digest, At = At },
        _ => new() { Kind = kind, Contributor = "c1", Reason = "why, in words: \"quoted\", ünïcode, \u2028 and a\nnewline", At = At },
    };
}
