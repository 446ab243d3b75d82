namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// Where one job lives on its site:
/// <c>&lt;runRoot&gt;/jobs/&lt;key&gt;/</c> holds <c>record.json</c> and <c>results/&lt;task&gt;/</c> (shared by all
/// attempts); <c>a&lt;n&gt;/</c> per attempt holds <c>tasks.txt</c>, <c>job.sh</c>, <c>status/&lt;task&gt;.{start,exit}</c>,
/// <c>logs/</c> (scheduler output) and <c>local/</c> (the local pool's bookkeeping).
/// </summary>
public sealed record JobLayout(string JobRoot, int Attempt)
{
    public static string JobRootFor(string runRoot, string key) => runRoot.TrimEnd('/') + "/jobs/" + key;

    /// <summary>Where task <paramref name="task"/> runs (every attempt): its stdout.log, stderr.log and outputs.</summary>
    public static string TaskDirectory(string jobRoot, long task) => $"{jobRoot}/results/{task}";

    /// <summary>The stderr of the task's latest attempt: the first place to look when it failed.</summary>
    public static string StandardErrorLog(string jobRoot, long task) => TaskDirectory(jobRoot, task) + "/stderr.log";

    public string AttemptDirectory => $"{JobRoot}/a{Attempt}";

    public string TaskFile => AttemptDirectory + "/tasks.txt";

    public string Script => AttemptDirectory + "/job.sh";

    public string StatusDirectory => AttemptDirectory + "/status";

    public string LogDirectory => AttemptDirectory + "/logs";

    public string LocalDirectory => AttemptDirectory + "/local";

    public string RecordFile => JobRoot + "/record.json";
}
