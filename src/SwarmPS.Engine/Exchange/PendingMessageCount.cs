namespace SwarmPS.Engine.Exchange;

/// <summary>
/// How many messages of the store are unacknowledged, kept by the writer as it changes them instead of
/// counted with <c>SELECT COUNT(*)</c> on every send: that count walks the whole pending index, so a send
/// cost grew with the backlog (with 1,600 pending it was most of the store's CPU per send). Only the
/// writer thread touches it, and it follows the writer's transactions: a write's change counts once its
/// savepoint is released, a group's once it commits; a write or group rolled back leaves it as it was.
/// <see cref="Current"/> is what a write inside the open transaction sees, its own and earlier writes of
/// the group included.
/// </summary>
internal sealed class PendingMessageCount(long committed)
{
    private long _committed = committed;
    private long _group;
    private long _write;

    public long Current => _committed + _group + _write;

    /// <summary>Messages that became pending (positive) or acknowledged (negative) in the running write.</summary>
    public void Add(long change) => _write += change;

    public void WriteReleased()
    {
        _group += _write;
        _write = 0;
    }

    public void WriteRolledBack() => _write = 0;

    public void GroupCommitted()
    {
        _committed += _group;
        _group = 0;
        _write = 0;
    }

    public void GroupRolledBack()
    {
        _group = 0;
        _write = 0;
    }
}
