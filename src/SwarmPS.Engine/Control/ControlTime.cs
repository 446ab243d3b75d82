using System.Globalization;

namespace SwarmPS.Engine.Control;

/// <summary>The protocol's one spelling of a time: UTC RFC 3339 with milliseconds, as events are stamped.</summary>
public static class ControlTime
{
    public static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset Parse(string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : throw new FormatException($"'{text}' is not an RFC 3339 time");
}
