using System.Diagnostics;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// What a RabbitMQ gateway's sends cost, for the benchmark and diagnostics: the time spent waiting for the
/// broker's confirms of the messages, and the time spent recording their ids in the registry log (the
/// price of idempotent ids across gateways), and how well the log group-commits (records per entry).
/// </summary>
public readonly record struct RabbitMqStatistics(long Sends, long PublishTicks, long RecordTicks, long LogEntries, long LogRecords)
{
    public double MeanPublishMilliseconds => Sends == 0 ? 0 : PublishTicks * 1000.0 / Stopwatch.Frequency / Sends;

    public double MeanRecordMilliseconds => Sends == 0 ? 0 : RecordTicks * 1000.0 / Stopwatch.Frequency / Sends;

    public static RabbitMqStatistics operator -(RabbitMqStatistics after, RabbitMqStatistics before) =>
        new(after.Sends - before.Sends, after.PublishTicks - before.PublishTicks, after.RecordTicks - before.RecordTicks, after.LogEntries - before.LogEntries, after.LogRecords - before.LogRecords);

    public static RabbitMqStatistics operator +(RabbitMqStatistics x, RabbitMqStatistics y) =>
        new(x.Sends + y.Sends, x.PublishTicks + y.PublishTicks, x.RecordTicks + y.RecordTicks, x.LogEntries + y.LogEntries, x.LogRecords + y.LogRecords);
}
