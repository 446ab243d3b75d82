namespace SwarmPS.Engine.CodeSync;

/// <summary>
/// What a sync would do, decided before anything is written (so -WhatIf can show it): the local tree, where
/// it goes, what the site holds there now, and how it would travel.
/// </summary>
public sealed record CodeSyncPlan(
    CodeSyncRequest Request,
    CodeManifest Manifest,
    string Name,
    string Destination,
    ShippedCode? OnSite,
    string Transport,
    TimeSpan Planning)
{
    /// <summary>The site already holds exactly this tree, and -Force was not given.</summary>
    public bool Skips => !Request.Force && OnSite?.TreeHash == Manifest.TreeHash;
}
