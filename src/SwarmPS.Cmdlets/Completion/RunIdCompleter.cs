using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using SwarmPS.Engine.Launch;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Cmdlets;

/// <summary>Tab completion of run ids launched on this machine, newest first, matching the typed prefix.</summary>
public sealed class RunIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        CompletionText.Matching(RunLocator.KnownRunIds(SiteCatalog.Default), wordToComplete, keepOrder: true);
}
