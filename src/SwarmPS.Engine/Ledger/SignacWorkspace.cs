using System.Text.Json;
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Ledger;

/// <summary>
/// The jobs of a signac project's <c>workspace/</c>, read as hostile input: a project arrives from a
/// colleague's share or an old archive, so every entry is checked before anything of it is used. Only a
/// real directory named by 32 lowercase hex characters is a job; its <c>signac_statepoint.json</c> and
/// <c>signac_job_document.json</c> are read with <see cref="BoundedFileRead"/> (regular files only, no links,
/// at most 1 MiB each). A job is kept only when its state point has a canonical form and its signac id is
/// its directory's name; everything else is a finding, never an import.
/// </summary>
public static class SignacWorkspace
{
    public const string WorkspaceDirectoryName = "workspace";
    public const string StatepointFileName = "signac_statepoint.json";
    public const string DocumentFileName = "signac_job_document.json";

    /// <summary>The most a state point or job document may hold; real ones are a few hundred bytes.</summary>
    public const int FileLimit = 1024 * 1024;

    /// <summary>What reading a workspace found: the jobs, and the findings of the entries that are not jobs.</summary>
    public sealed record Contents(IReadOnlyList<SignacJob> Jobs, int Mismatched, int Invalid, IReadOnlyList<LedgerFinding> Findings);

    /// <summary>
    /// The project's workspace directory, or <c>SignacProjectNotFound</c> when <paramref name="projectPath"/>
    /// is not a signac project. The workspace itself may be a link (clusters often keep it on scratch storage);
    /// the entries in it may not.
    /// </summary>
    public static string Locate(string projectPath)
    {
        if (!Directory.Exists(projectPath))
        {
            throw NotAProject(projectPath, "does not exist or is not a directory");
        }

        var workspace = Path.Combine(projectPath, WorkspaceDirectoryName);
        if (!Directory.Exists(workspace))
        {
            throw NotAProject(projectPath, $"has no {WorkspaceDirectoryName}/ directory, so it is not a signac project");
        }

        return workspace;
    }

    /// <summary>Reads every entry of the workspace once, in name order; <paramref name="progress"/> counts entries.</summary>
    public static Contents Read(string projectPath, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        var workspace = Locate(projectPath);
        var entries = new DirectoryInfo(workspace).EnumerateFileSystemInfos("*", new EnumerationOptions
        {
            RecurseSubdirectories = false,
            AttributesToSkip = 0,
            IgnoreInaccessible = false,
            MatchType = MatchType.Simple,
        }).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();

        var jobs = new List<SignacJob>(entries.Count);
        var findings = new List<LedgerFinding>();
        var mismatched = 0;
        var invalid = 0;
        var buffer = new byte[4096];
        for (var i = 0; i < entries.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            switch (ReadJob(entries[i], ref buffer, findings))
            {
                case SignacJob job:
                    jobs.Add(job);
                    break;
                case Refused.Mismatched:
                    mismatched++;
                    break;
                default:
                    invalid++;
                    break;
            }

            if ((i + 1) % 500 == 0 || i + 1 == entries.Count)
            {
                progress?.Report((i + 1, entries.Count));
            }
        }

        return new Contents(jobs, mismatched, invalid, findings);
    }

    private enum Refused
    {
        Invalid,
        Mismatched,
    }

    /// <summary>One entry: a job, or why it is none (its finding added).</summary>
    private static object ReadJob(FileSystemInfo entry, ref byte[] buffer, List<LedgerFinding> findings)
    {
        var relative = $"{WorkspaceDirectoryName}/{entry.Name}";
        if (entry.LinkTarget is not null)
        {
            return Invalid(findings, relative, null, $"'{relative}' is a symbolic link; a job is read only from a real directory, never where a link points. Replace the link with the job directory itself, or remove it.");
        }

        if (entry is not DirectoryInfo directory)
        {
            return Invalid(findings, relative, null, $"'{relative}' is a file, not a job directory. Move it out of {WorkspaceDirectoryName}/: signac keeps only job directories there.");
        }

        if (!LedgerRunId.IsValid(entry.Name))
        {
            return Invalid(findings, relative, null, $"'{relative}' is not named by a signac job id (32 lowercase hexadecimal characters). Move it out of {WorkspaceDirectoryName}/, or rename it to its state point's id.");
        }

        var statepointRelative = $"{relative}/{StatepointFileName}";
        var statepointBytes = ReadFile(Path.Combine(directory.FullName, StatepointFileName), ref buffer, out var readError);
        if (readError is not null)
        {
            return Invalid(findings, statepointRelative, entry.Name, $"The state point of job {entry.Name} was not read: {readError}");
        }

        if (statepointBytes is null)
        {
            return Invalid(findings, relative, entry.Name, $"Job directory {entry.Name} has no {StatepointFileName}. Restore it (signac writes it when the job is opened), or move the directory out of {WorkspaceDirectoryName}/.");
        }

        JsonElement statepoint;
        try
        {
            using var document = JsonDocument.Parse(statepointBytes);
            statepoint = document.RootElement.Clone();
        }
        catch (JsonException error)
        {
            return Invalid(findings, statepointRelative, entry.Name, $"The state point of job {entry.Name} is not JSON ({error.Message}). Restore it from a backup; signac writes it with json.dump.");
        }

        if (statepoint.ValueKind != JsonValueKind.Object)
        {
            return Invalid(findings, statepointRelative, entry.Name, $"The state point of job {entry.Name} is a JSON {statepoint.ValueKind.ToString().ToLowerInvariant()}, not an object of parameters. Restore it from a backup.");
        }

        string id;
        try
        {
            id = LedgerRunId.Identify(statepoint, RunIdScheme.Signac).Id;
        }
        catch (SwarmException error) when (error.ErrorId == "StatepointInvalid")
        {
            return Invalid(findings, statepointRelative, entry.Name, $"The state point of job {entry.Name} cannot be a SwarmPS run: {error.Message} {error.Remediation}");
        }

        if (id != entry.Name)
        {
            findings.Add(new LedgerFinding(SignacFindingCodes.IdMismatch, FindingSeverity.Error, statepointRelative, 0, entry.Name,
                $"The state point in {relative} has the signac id {id}, not its directory's name: it was edited by hand or the directory renamed. Move the directory to {WorkspaceDirectoryName}/{id} if the state point is right (or restore the state point), then import again."));
            return Refused.Mismatched;
        }

        var status = ReadStatus(directory.FullName, relative, entry.Name, ref buffer, findings);
        return new SignacJob(id, directory.FullName, relative, statepoint, status);
    }

    /// <summary>
    /// The status the job document gives: its top-level <c>status</c>, a run status word. No document, or
    /// none in it, is <c>created</c>; an unknown word or an unreadable document is a finding and <c>created</c>
    /// too, a live status that a later import corrects once the document is fixed.
    /// </summary>
    private static RunStatus ReadStatus(string directory, string relative, string id, ref byte[] buffer, List<LedgerFinding> findings)
    {
        var documentRelative = $"{relative}/{DocumentFileName}";
        var bytes = ReadFile(Path.Combine(directory, DocumentFileName), ref buffer, out var readError);
        if (readError is not null)
        {
            return Unknown(findings, documentRelative, id, $"The job document of job {id} was not read: {readError} The run is imported as created.");
        }

        if (bytes is null)
        {
            return RunStatus.Created;
        }

        JsonElement status;
        try
        {
            using var document = JsonDocument.Parse(bytes);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return Unknown(findings, documentRelative, id, $"The job document of job {id} is not a JSON object, so it gives no status; the run is imported as created. Restore the document, then import again.");
            }

            if (!document.RootElement.TryGetProperty("status", out var found))
            {
                return RunStatus.Created;
            }

            status = found.Clone();
        }
        catch (JsonException error)
        {
            return Unknown(findings, documentRelative, id, $"The job document of job {id} is not JSON ({error.Message}); the run is imported as created. Restore the document, then import again.");
        }

        if (status.ValueKind == JsonValueKind.String && RunStatusNames.TryParse(status.GetString(), out var parsed))
        {
            return parsed;
        }

        var shown = status.ValueKind == JsonValueKind.String ? $"'{status.GetString()}'" : $"a JSON {status.ValueKind.ToString().ToLowerInvariant()}";
        return Unknown(findings, documentRelative, id,
            $"The job document of job {id} gives the status {shown}, which is not a run status ({string.Join(", ", RunStatusNames.All)}); the run is imported as created. Set 'status' to one of them, then import again.");
    }

    /// <summary>The file's bytes, null when it does not exist; a refusal or an I/O error is returned in <paramref name="error"/>.</summary>
    private static byte[]? ReadFile(string path, ref byte[] buffer, out string? error)
    {
        error = null;
        try
        {
            var length = BoundedFileRead.ReadWhole(path, ref buffer, FileLimit, followLinks: false);
            return length < 0 ? null : buffer.AsSpan(0, length).ToArray();
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
            // FileRefusedException is an IOException: a link, a FIFO, a directory or an oversized file.
            error = failure.Message;
            return null;
        }
    }

    private static Refused Invalid(List<LedgerFinding> findings, string file, string? id, string message)
    {
        findings.Add(new LedgerFinding(SignacFindingCodes.JobInvalid, FindingSeverity.Error, file, 0, id, message));
        return Refused.Invalid;
    }

    private static RunStatus Unknown(List<LedgerFinding> findings, string file, string id, string message)
    {
        findings.Add(new LedgerFinding(SignacFindingCodes.StatusUnknown, FindingSeverity.Warning, file, 0, id, message));
        return RunStatus.Created;
    }

    private static SwarmException NotAProject(string projectPath, string problem) => new(
        "SignacProjectNotFound",
        $"'{projectPath}' {problem}.",
        $"Give the signac project's root directory, the one holding {WorkspaceDirectoryName}/ (and signac.rc or .signac/), e.g. -Path ~/projects/my-study.",
        SwarmErrorCategory.ObjectNotFound,
        projectPath);
}
