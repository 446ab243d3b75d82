using System.Text.Json;

namespace SwarmPS.Engine.Ledger;

/// <summary>
/// One readable job of a signac project: its directory (named by its id, checked against the state point),
/// the state point as parsed, and the status its job document gives (<c>created</c> when it gives none).
/// </summary>
/// <param name="Id">The signac job id, which is also the directory's name.</param>
/// <param name="Directory">The job's workspace directory, absolute: the run's working directory on this machine.</param>
/// <param name="RelativePath">The directory relative to the project (<c>workspace/&lt;id&gt;</c>), for findings.</param>
/// <param name="Statepoint">The state point, detached from the file's parse.</param>
/// <param name="Status">The status the run is to have.</param>
public sealed record SignacJob(string Id, string Directory, string RelativePath, JsonElement Statepoint, RunStatus Status);
