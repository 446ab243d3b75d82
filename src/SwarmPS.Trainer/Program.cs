using SwarmPS.Engine;
using SwarmPS.Trainer;

// Usage: dotnet SwarmPS.Trainer.dll <job.json>   (docs/trainer-contract.md)
// Progress as JSON lines on stdout; on failure one {"event": "error", ...} line, the problem and its fix on
// stderr, exit 2, and no manifest or evaluation left behind. Exit 0 when the job is done.
var progress = new ProgressLines(Console.Out);
try
{
    if (args.Length != 1)
    {
        throw new SwarmException("TrainerJobInvalid",
            $"The trainer takes one argument, the job file; it was given {args.Length}.",
            "Run it as: dotnet SwarmPS.Trainer.dll <job.json>.");
    }

    var job = TrainerJob.Read(args[0]);
    var written = job.Mode switch
    {
        TrainerMode.Train => TrainRun.Run(job, progress),
        TrainerMode.Evaluate => EvaluateRun.Run(job),
        _ => BaseRun.Run(job),
    };
    progress.Done(written);
    return 0;
}
catch (SwarmException error)
{
    return Fail(error);
}
catch (Exception error) when (error is not OutOfMemoryException)
{
    return Fail(new SwarmException("TrainerFailed",
        $"The trainer failed unexpectedly: {error.GetType().Name}: {error.Message}",
        "This is a bug in the trainer: report it with the job file and this message.",
        SwarmErrorCategory.InvalidOperation, null, error));
}

int Fail(SwarmException error)
{
    progress.Error(error.ErrorId, error.Message);
    Console.Error.WriteLine($"{error.Message} {error.Remediation}");
    return 2;
}
