using System.Security.Cryptography;
using System.Text;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// Where a sweep was planned: the experiment repository (or, outside one, the directory itself), this
/// machine's label in it, and the submitting directory relative paths in the command are resolved from.
/// The repository is part of the job key, so two clones submitting the same sweep to one site get two
/// jobs (two job roots on the site), never one shared folder they overwrite.
/// </summary>
public sealed record JobOrigin(string Machine, string Repository, string Directory)
{
    /// <summary>The origin of a plan made in <paramref name="workingDirectory"/>, found as the ledger cmdlets find their repository.</summary>
    public static JobOrigin At(string workingDirectory)
    {
        var directory = Path.GetFullPath(workingDirectory);
        var repository = LedgerRunRecorder.FindRepositoryRoot(directory) ?? directory;
        return new JobOrigin(MachineLabel.Current(SwarmRepository.At(repository)), repository, directory);
    }

    /// <summary>What the job key carries: the machine label and a hash of the repository path (the path itself stays out of job names).</summary>
    public string Identity => Machine + ":" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Repository)), 0, 8).ToLowerInvariant();
}
