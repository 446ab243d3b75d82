using SwarmPS.Engine.Scheduler;

namespace SwarmPS.Cmdlets;

/// <summary>
/// Base of the job cmdlets (Submit, Get, Wait, Stop): they find their job records and the run store from
/// one working directory, -Repository or else the PowerShell location, taken as a provider path so that a
/// PowerShell drive (New-PSDrive, TestDrive:) names the directory it maps to.
/// </summary>
public abstract class JobCmdlet : RepositoryCmdlet
{
    private string WorkingDirectory =>
        Repository is null ? SessionState.Path.CurrentFileSystemLocation.ProviderPath : ResolvePath(Repository);

    /// <summary>The job records of the repository holding the working directory; outside any, the directory's own .swarm/jobs/.</summary>
    protected JobRecordStore OpenJobStore()
    {
        var here = WorkingDirectory;
        return JobRecordStore.ForRepository(LedgerRunRecorder.FindRepositoryRoot(here) ?? here);
    }

    /// <summary>
    /// Runs <paramref name="work"/> with the recorder that moves the tasks' runs in the repository's run
    /// store, then writes what it noted as warnings. <paramref name="warnWhenNotRecording"/>: also say that
    /// nothing is recorded outside an initialised repository (Submit-SwarmJob; for the others that is normal
    /// and not worth a warning each call).
    /// </summary>
    protected void WithRecorder(bool warnWhenNotRecording, Action<LedgerRunRecorder> work)
    {
        using var recorder = LedgerRunRecorder.Open(WorkingDirectory);
        try
        {
            work(recorder);
        }
        finally
        {
            // After Ctrl+C the pipeline takes no more records.
            if (!StopToken.IsCancellationRequested && (warnWhenNotRecording || recorder.IsRecording))
            {
                foreach (var note in recorder.TakeNotes())
                {
                    WriteWarning(note);
                }
            }
        }
    }
}
