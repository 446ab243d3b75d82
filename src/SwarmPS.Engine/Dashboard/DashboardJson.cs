using System.Globalization;
using System.Text.Json;
using SwarmPS.Engine.Events;

namespace SwarmPS.Engine.Dashboard;

/// <summary>
/// The snapshot and stream documents of docs/dashboard.md, written straight to a stream (a run of 100,000
/// events is one pass, no intermediate objects). The writer's default encoder escapes <c>&lt;</c>, <c>&gt;</c>,
/// <c>&amp;</c> and quotes, so the same bytes are safe inside the report's script element.
/// </summary>
public static class DashboardJson
{
    public static void Write(Stream output, DashboardUpdate update)
    {
        using var writer = new Utf8JsonWriter(output);
        Write(writer, update);
    }

    public static byte[] ToBytes(DashboardUpdate update)
    {
        using var buffer = new MemoryStream();
        Write(buffer, update);
        return buffer.ToArray();
    }

    public static void Write(Utf8JsonWriter writer, DashboardUpdate update)
    {
        writer.WriteStartObject();
        writer.WriteString("run_id", update.RunId);
        writer.WriteBoolean("single_site", update.SingleSite);
        writer.WriteNumber("seq", update.Seq);
        writer.WriteNumber("warning_count", update.WarningCount);
        writer.WriteStartArray("sites");
        foreach (var site in update.Sites)
        {
            writer.WriteStartObject();
            writer.WriteString("name", site.Name);
            writer.WriteString("state", site.State);
            writer.WriteString("source", site.Source.ToString().ToLowerInvariant());
            writer.WriteBoolean("up", site.Up);
            writer.WriteNumber("agents", site.Agents);
            writer.WriteNumber("messages", site.Messages);
            writer.WriteString("problem", site.Problem);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartArray("events");
        var one = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var eventWriter = new Utf8JsonWriter(one))
        {
            foreach (var item in update.Events)
            {
                writer.WriteRawValue(EventBytes(eventWriter, one, item), skipInputValidation: true);
            }
        }

        writer.WriteEndArray();
        writer.WriteStartArray("warnings");
        foreach (var warning in update.Warnings)
        {
            writer.WriteStringValue(warning);
        }

        writer.WriteEndArray();
        WriteTraining(writer, update);
        writer.WriteEndObject();
        writer.Flush();
    }

    /// <summary>
    /// One event, written apart first: an agent can write what parses but cannot be written again (a lone
    /// surrogate escape, a number too big for a double), and then that event becomes a placeholder instead of
    /// a broken document. The bytes come from a writer with the default encoder, so they stay HTML-safe.
    /// </summary>
    private static ReadOnlySpan<byte> EventBytes(Utf8JsonWriter writer, System.Buffers.ArrayBufferWriter<byte> buffer, DashboardEvent item)
    {
        buffer.Clear();
        writer.Reset(buffer);
        try
        {
            WriteEvent(writer, item);
            writer.Flush();
        }
        catch (Exception error) when (error is ArgumentException or InvalidOperationException or NotSupportedException)
        {
            buffer.Clear();
            writer.Reset(buffer);
            var swarmEvent = item.Event;
            var placeholder = new SwarmEvent(swarmEvent.Timestamp, WellFormed(swarmEvent.Site), null, "unwritable_event", new Dictionary<string, object?> { ["reason"] = error.Message });
            WriteEvent(writer, item with { Event = placeholder });
            writer.Flush();
        }

        return buffer.WrittenSpan;
    }

    /// <summary>The text with every lone surrogate replaced by U+FFFD, so a writer takes it.</summary>
    private static string WellFormed(string text)
    {
        var chars = text.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            var pairs = char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1]);
            if (pairs)
            {
                i++;
            }
            else if (char.IsSurrogate(chars[i]))
            {
                chars[i] = '\uFFFD';
            }
        }

        return new string(chars);
    }

    private static void WriteEvent(Utf8JsonWriter writer, DashboardEvent item)
    {
        var swarmEvent = item.Event;
        writer.WriteStartObject();
        writer.WriteNumber("seq", item.Seq);
        writer.WriteString("ts", swarmEvent.Timestamp.UtcDateTime.ToString(SwarmEvent.TimestampFormat, CultureInfo.InvariantCulture));
        writer.WriteString("site", swarmEvent.Site);
        writer.WriteString("agent", swarmEvent.Agent);
        writer.WriteString("kind", swarmEvent.Kind);
        writer.WriteStartObject("fields");
        foreach (var (name, value) in swarmEvent.Fields)
        {
            writer.WritePropertyName(name);
            switch (value)
            {
                case JsonElement element:
                    element.WriteTo(writer);
                    break;
                case double number when !double.IsFinite(number):
                    // 1e400 parses as infinity, which JSON cannot carry: the page shows it as text.
                    writer.WriteStringValue(number.ToString(CultureInfo.InvariantCulture));
                    break;
                default:
                    JsonSerializer.Serialize(writer, value);
                    break;
            }
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteTraining(Utf8JsonWriter writer, DashboardUpdate update)
    {
        if (update.Training is not { } training)
        {
            writer.WriteNull("training");
            return;
        }

        writer.WriteStartObject("training");
        writer.WriteString("phase", training.Phase.ToString());
        writer.WriteString("detail", training.Detail);
        writer.WriteStartArray("contributors");
        foreach (var contributor in training.Contributors)
        {
            writer.WriteStartObject();
            writer.WriteString("id", contributor.Contributor);
            writer.WriteString("site", contributor.Site);
            writer.WriteString("state", contributor.State.ToString());
            WriteNumberOrNull(writer, "step", contributor.Step);
            WriteNumberOrNull(writer, "loss", contributor.Loss is { } loss && double.IsFinite(loss) ? loss : null);

            writer.WriteString("verdict", contributor.Verdict?.ToString());
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteNumberOrNull(Utf8JsonWriter writer, string name, double? value)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, number);
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}
