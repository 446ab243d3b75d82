namespace SwarmPS.Engine.Dashboard;

/// <summary>
/// A remote entry the mirror does not copy, and why: a name outside <c>[A-Za-z0-9._-]{1,128}</c> (shown with
/// control characters escaped), a symbolic link (never followed), a non-append file over the size limit, or a
/// local file that could not be written. Each is listed once in <see cref="SiteMirror.Skipped"/>.
/// </summary>
public sealed record MirrorSkip(string Path, string Reason);
