using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Control;

/// <summary>
/// Who an agent manager is: one per namespace, user and site (docs/control-protocol.md "Mailboxes"). Its mailbox
/// id is derived as agent ids are, so a caller anywhere finds it with no lookup, and its files live in
/// $XDG_STATE_HOME/swarmps/managers/&lt;namespace&gt;/&lt;site&gt;/.
/// </summary>
public sealed record ManagerIdentity(string Namespace, string User, string Site)
{
    public static ManagerIdentity For(string nameSpace, string? user, string site)
    {
        var name = string.IsNullOrEmpty(user) ? Environment.UserName : user;
        if (!AgentName.IsValid($"manager.{name}.{site}"))
        {
            throw new SwarmException(
                "AgentManagerNameInvalid",
                $"An agent manager for user '{name}' on site '{site}' would have the mailbox name 'manager.{name}.{site}', which is not a valid name ({AgentName.Rule}).",
                "Use a site name (and user name) of letters, digits, '.', '_' or '-', together under 50 characters.",
                SwarmErrorCategory.InvalidArgument,
                site);
        }

        return new ManagerIdentity(SwarmNamespace.Validate(nameSpace), name, site);
    }

    public string RunId => SwarmNamespace.ControlRunId(Namespace);

    public string MailboxName => $"manager.{User}.{Site}";

    public Guid MailboxId => AgentMailboxId.For(RunId, MailboxName);

    /// <summary>Where this manager's files are, for the current user; the namespace and site become path parts, both validated.</summary>
    public string Directory => System.IO.Path.Combine(ManagersRoot(), Namespace, Site);

    public string RecordFile => System.IO.Path.Combine(Directory, "manager.json");

    public string EventsFile => System.IO.Path.Combine(Directory, "events.jsonl");

    public string HandledFile => System.IO.Path.Combine(Directory, "handled.jsonl");

    public string LogFile => System.IO.Path.Combine(Directory, "manager.log");

    public static string ManagersRoot() => System.IO.Path.Combine(UserDirectories.State(), "managers");

    public override string ToString() => $"agent manager of {User} on site '{Site}' (namespace '{Namespace}')";
}

/// <summary>Which site a manager started here serves: the one given, else $SWARM_SITE, else the catalog's only site; it must be in the catalog (its slices are launched from that profile).</summary>
public static class ManagerSite
{
    public static string Resolve(string? given, Sites.SiteCatalog catalog)
    {
        var name = !string.IsNullOrEmpty(given) ? given : Environment.GetEnvironmentVariable("SWARM_SITE");
        if (string.IsNullOrEmpty(name))
        {
            var names = catalog.Names;
            name = names.Count == 1 ? names[0] : throw new SwarmException(
                "AgentManagerSiteRequired",
                names.Count == 0
                    ? "No site to manage: the site catalog is empty and -Site was not given."
                    : $"Which site does this manager serve? The catalog has {names.Count}: {string.Join(", ", names)}.",
                "Pass -Site <name> (a profile of Get-SwarmSite), or set SWARM_SITE.",
                SwarmErrorCategory.InvalidArgument);
        }

        var site = catalog.Get(name);
        if (site.IsRemote)
        {
            // Its slices would be started here as local processes: the manager belongs on the site itself.
            throw new SwarmException(
                "AgentManagerSiteRemote",
                $"Site '{site.Name}' is reached over SSH from this machine ({site.LoginHost}); an agent manager runs on the site's own login node, where its profile is local.",
                $"Start it there: ssh {site.LoginHost} and run Start-SwarmAgentManager -Site {site.Name} -Detach; from here, send it commands with Send-SwarmControl -Site {site.Name}.",
                SwarmErrorCategory.InvalidOperation,
                site.Name);
        }

        return site.Name;
    }
}
