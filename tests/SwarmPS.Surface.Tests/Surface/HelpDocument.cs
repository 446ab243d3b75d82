using System.Text.RegularExpressions;

namespace SwarmPS.Surface.Tests.Surface;

/// <summary>
/// What a PlatyPS markdown help file (help/Verb-Noun.md) documents: the `### -Name` parameter sections
/// and the `### Example` sections that hold a fenced code block (the runbook line a user copies).
/// </summary>
public sealed record HelpDocument(string Path, IReadOnlySet<string> DocumentedParameters, int ExamplesWithCode, int Examples)
{
    public static HelpDocument Read(string path)
    {
        var lines = File.ReadAllLines(path);
        var parameters = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var examples = 0;
        var examplesWithCode = 0;
        var inExample = false;
        var exampleHasCode = false;
        var inFence = false;

        void CloseExample()
        {
            if (inExample && exampleHasCode)
            {
                examplesWithCode++;
            }

            inExample = false;
            exampleHasCode = false;
        }

        foreach (var line in lines)
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                // An opening fence inside an example section is the example's code.
                if (!inFence && inExample)
                {
                    exampleHasCode = true;
                }

                inFence = !inFence;
                continue;
            }

            if (inFence || !line.StartsWith('#'))
            {
                continue;
            }

            var parameter = Regex.Match(line, @"^###\s+-(\w+)\s*$");
            var example = Regex.IsMatch(line, @"^###\s+Example\b", RegexOptions.IgnoreCase);
            if (parameter.Success || example || line.StartsWith("## ", StringComparison.Ordinal) || line.StartsWith("### ", StringComparison.Ordinal))
            {
                CloseExample();
            }

            if (parameter.Success)
            {
                parameters.Add(parameter.Groups[1].Value);
            }
            else if (example)
            {
                examples++;
                inExample = true;
            }
        }

        CloseExample();
        return new HelpDocument(path, parameters, examplesWithCode, examples);
    }
}
