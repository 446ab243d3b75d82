using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using SwarmPS.Engine;
using SwarmPS.Engine.Campaigns;

namespace SwarmPS.Cmdlets;

/// <summary>
/// Tab completion of a campaign's agent names for Select-SwarmAgent -Name. The campaign comes from, in
/// order: -Campaign as the binder has it (a campaign object, or a file path typed there); a variable
/// piped in (<c>$c | Select-SwarmAgent</c>); or the file of an <c>Import-SwarmCampaign</c> just before in
/// the pipeline. Nothing is offered when none of them yields a readable campaign.
/// </summary>
public sealed class AgentNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var campaign = FromBoundParameter(fakeBoundParameters) ?? FromPipeline(commandAst);
        return campaign is null ? [] : CompletionText.Matching(campaign.AgentNames, wordToComplete, keepOrder: true);
    }

    private static Campaign? FromBoundParameter(IDictionary fakeBoundParameters) =>
        CompletionSession.Unwrap(fakeBoundParameters["Campaign"]) switch
        {
            Campaign campaign => campaign,
            string path => Load(Path.GetFullPath(path, CompletionSession.Current())),
            _ => null,
        };

    private static Campaign? FromPipeline(CommandAst commandAst)
    {
        if (commandAst.Parent is not PipelineAst pipeline)
        {
            return null;
        }

        var position = pipeline.PipelineElements.IndexOf(commandAst);
        if (position < 1)
        {
            return null;
        }

        return pipeline.PipelineElements[position - 1] switch
        {
            CommandExpressionAst { Expression: VariableExpressionAst variable } => Variable(variable.VariablePath.UserPath),
            CommandAst import when IsImport(import) => ImportedFile(import) is { } path ? Load(Path.GetFullPath(path, CompletionSession.Current())) : null,
            _ => null,
        };
    }

    private static bool IsImport(CommandAst command) =>
        string.Equals(command.GetCommandName(), "Import-SwarmCampaign", StringComparison.OrdinalIgnoreCase);

    /// <summary>The path given to Import-SwarmCampaign as a plain string: by name (-Path, -FullName, -PSPath), or right after the command.</summary>
    private static string? ImportedFile(CommandAst import)
    {
        var elements = import.CommandElements;
        for (var index = 1; index < elements.Count; index++)
        {
            if (elements[index] is CommandParameterAst parameter
                && parameter.ParameterName.ToLowerInvariant() is "path" or "fullname" or "pspath")
            {
                var argument = parameter.Argument ?? (index + 1 < elements.Count ? elements[index + 1] : null);
                return (argument as StringConstantExpressionAst)?.Value;
            }
        }

        return elements.Count > 1 ? (elements[1] as StringConstantExpressionAst)?.Value : null;
    }

    private static Campaign? Variable(string name) => CompletionSession.Variable(name) as Campaign;

    private static Campaign? Load(string path)
    {
        try
        {
            return CampaignLoader.Load(path);
        }
        catch (SwarmException)
        {
            // A file that does not read completes nothing; Import-SwarmCampaign reports why when it runs.
            return null;
        }
    }
}
