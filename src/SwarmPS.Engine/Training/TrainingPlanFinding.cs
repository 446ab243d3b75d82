namespace SwarmPS.Engine.Training;

/// <summary>
/// One thing Test-SwarmTrainingPlan found about a plan on this machine: a base snapshot that is missing or
/// not the one the plan names, an unset admission token variable, a shard or trainer this site lacks.
/// <see cref="Code"/> is a stable PascalCase word scripts filter on (docs/training-plan.md lists them),
/// <see cref="Subject"/> what it is about (a file, a contributor, a backend), <see cref="Message"/> the
/// problem and <see cref="Remediation"/> the fix. An Error means the plan cannot run here as it stands.
/// </summary>
public sealed record TrainingPlanFinding(string Code, FindingSeverity Severity, string Subject, string Message, string Remediation)
{
    public override string ToString() => $"{Severity} {Code} [{Subject}]: {Message} {Remediation}";
}
