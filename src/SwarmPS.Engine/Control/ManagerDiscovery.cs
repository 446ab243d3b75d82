using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Control;

/// <summary>
/// Finds agent managers for Get-SwarmAgentManager: their mailbox ids are derived (namespace, user, site), so one
/// discovery call asks the exchange about every site at once; the records on this machine add host, pid and slices.
/// A site with neither a mailbox nor a record has no manager and is left out.
/// </summary>
public static class ManagerDiscovery
{
    public static async Task<IReadOnlyList<AgentManagerInfo>> FindAsync(
        IExchange exchange, string nameSpace, string? user, IReadOnlyCollection<string> sites, CancellationToken cancellationToken)
    {
        var identities = sites.Concat(RecordedSites(nameSpace)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(site => ManagerIdentity.For(nameSpace, user, site)).ToList();
        if (identities.Count == 0)
        {
            return Array.Empty<AgentManagerInfo>();
        }

        var mailboxes = (await exchange.GetStatusAsync(identities.Select(identity => identity.MailboxId).ToList(), cancellationToken).ConfigureAwait(false))
            .ToDictionary(mailbox => mailbox.Id);
        var now = DateTimeOffset.UtcNow;
        return identities
            .Select(identity => (identity, mailbox: mailboxes.GetValueOrDefault(identity.MailboxId), record: IsCurrentUser(identity) ? ManagerRecord.TryRead(identity.RecordFile) : null))
            .Where(found => found.mailbox is not null || found.record is not null)
            .Select(found => AgentManagerInfo.From(found.identity, found.mailbox, found.record, now))
            .ToList();
    }

    /// <summary>Sites with a manager's directory on this machine in <paramref name="nameSpace"/>.</summary>
    public static IReadOnlyList<string> RecordedSites(string nameSpace)
    {
        var directory = Path.Combine(ManagerIdentity.ManagersRoot(), nameSpace);
        return Directory.Exists(directory)
            ? Directory.EnumerateDirectories(directory).Select(Path.GetFileName).OfType<string>().Where(site => Sites.SiteName.IsValid(site)).ToList()
            : Array.Empty<string>();
    }

    /// <summary>The namespaces other than <paramref name="nameSpace"/> in which this machine has a manager of <paramref name="site"/> (to name them when the one asked for is missing).</summary>
    public static IReadOnlyList<string> OtherNamespaces(string nameSpace, string site)
    {
        var root = ManagerIdentity.ManagersRoot();
        return Directory.Exists(root)
            ? Directory.EnumerateDirectories(root).Select(Path.GetFileName).OfType<string>()
                .Where(name => name != nameSpace && Campaigns.SwarmNamespace.IsValid(name) && File.Exists(Path.Combine(root, name, site, "manager.json")))
                .Order(StringComparer.Ordinal).ToList()
            : Array.Empty<string>();
    }

    /// <summary>Records are per user (under this user's state directory), so another user's manager is judged by its mailbox alone.</summary>
    private static bool IsCurrentUser(ManagerIdentity identity) => identity.User == Environment.UserName;
}
