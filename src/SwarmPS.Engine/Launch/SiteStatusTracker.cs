namespace SwarmPS.Engine.Launch;

/// <summary>The launcher's live copy of status.json: every change is applied under a lock and written through.</summary>
public sealed class SiteStatusTracker
{
    private readonly object _gate = new();
    private readonly string _path;
    private SiteStatus _current;

    public SiteStatusTracker(string path, SiteStatus initial)
    {
        _path = path;
        _current = initial;
        SiteStatusFile.Write(_path, initial);
    }

    public SiteStatus Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    public void Update(Func<SiteStatus, SiteStatus> change)
    {
        lock (_gate)
        {
            _current = change(_current) with { UpdatedAt = DateTimeOffset.UtcNow };
            SiteStatusFile.Write(_path, _current);
        }
    }

    public void UpdateAgent(string name, Func<AgentRecord, AgentRecord> change) =>
        Update(status => status with
        {
            Agents = status.Agents.Select(agent => agent.Name == name ? change(agent) : agent).ToList(),
        });
}
