using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SwarmPS.Engine.Ledger;

/// <summary>
/// The citations in a finding: a markdown file whose YAML front matter (between a first line
/// <c>---</c> and the next <c>---</c>) may hold a <c>cites</c> map with <c>runs</c> (a list of run ids) and
/// <c>batches</c> (a list of <c>{experiment, status}</c> selectors). Everything else in the front matter
/// belongs to the author and is ignored. Shape problems come back as findings with the file's line.
/// </summary>
public sealed class FindingFrontMatter
{
    public const string MalformedCode = "MalformedCitation";
    public const string InvalidCode = "FrontMatterInvalid";

    private static readonly string[] BatchKeys = ["experiment", "status"];

    public List<RunCitation> Runs { get; } = [];

    public List<BatchCitation> Batches { get; } = [];

    public List<LedgerFinding> Problems { get; } = [];

    public static FindingFrontMatter Parse(string text, string file)
    {
        var result = new FindingFrontMatter();
        var lines = text.Split('\n');
        if (lines.Length == 0 || lines[0].TrimEnd('\r', ' ') != "---")
        {
            return result;
        }

        var close = Array.FindIndex(lines, 1, l => l.TrimEnd('\r', ' ') is "---" or "...");
        if (close < 0)
        {
            result.Problems.Add(new LedgerFinding(InvalidCode, FindingSeverity.Error, file, 1, null,
                "The front matter opened on line 1 is never closed. Add a line '---' after the last front matter line."));
            return result;
        }

        var yaml = string.Join('\n', lines, 1, close - 1);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException error)
        {
            // End is where the parser gave up, which is the line to look at; Start can be the enclosing block.
            var line = (int)Math.Max(error.Start.Line, error.End.Line) + 1;
            result.Problems.Add(new LedgerFinding(InvalidCode, FindingSeverity.Error, file, line, null,
                $"The front matter is not valid YAML near line {line}: {Reason(error)}. Fix the YAML between the '---' lines."));
            return result;
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            return result;
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            result.Problems.Add(new LedgerFinding(InvalidCode, FindingSeverity.Error, file, 2, null,
                "The front matter is not a map of keys to values. Write it as 'key: value' lines."));
            return result;
        }

        if (!root.Children.TryGetValue(new YamlScalarNode("cites"), out var cites))
        {
            return result;
        }

        result.ReadCites(cites, file);
        return result;
    }

    private void ReadCites(YamlNode cites, string file)
    {
        if (cites is YamlScalarNode { Value: null or "" })
        {
            return;
        }

        if (cites is not YamlMappingNode map)
        {
            Malformed(file, cites, null, "'cites' must be a map with 'runs' and/or 'batches'.");
            return;
        }

        foreach (var (keyNode, value) in map.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value;
            switch (key)
            {
                case "runs":
                    foreach (var item in Items(value, file, "cites.runs", "a list of run ids"))
                    {
                        ReadRun(item, file);
                    }

                    break;
                case "batches":
                    foreach (var item in Items(value, file, "cites.batches", "a list of {experiment, status} selectors"))
                    {
                        ReadBatch(item, file);
                    }

                    break;
                default:
                    Malformed(file, keyNode, key, $"'cites' has an unknown key '{key}'; it takes 'runs' and 'batches'.");
                    break;
            }
        }
    }

    private IEnumerable<YamlNode> Items(YamlNode value, string file, string where, string shape)
    {
        if (value is YamlScalarNode { Value: null or "" })
        {
            return [];
        }

        if (value is YamlSequenceNode list)
        {
            return list.Children;
        }

        Malformed(file, value, (value as YamlScalarNode)?.Value, $"'{where}' must be {shape}, written as '- item' lines.");
        return [];
    }

    private void ReadRun(YamlNode item, string file)
    {
        if (item is not YamlScalarNode { Value: { } id })
        {
            Malformed(file, item, null, "A cited run must be a run id (32 lowercase hex characters), not a list or map.");
            return;
        }

        if (!LedgerRunId.IsValid(id))
        {
            Malformed(file, item, id, $"'{id}' is not a run id: a run id is exactly 32 lowercase hexadecimal characters. Copy it from Get-SwarmRun or Get-SwarmLedger.");
            return;
        }

        Runs.Add(new RunCitation(id, Line(item)));
    }

    private void ReadBatch(YamlNode item, string file)
    {
        if (item is not YamlMappingNode batch)
        {
            Malformed(file, item, (item as YamlScalarNode)?.Value, "A cited batch must be a map such as '{ experiment: lr-sweep, status: complete }'.");
            return;
        }

        string? experiment = null;
        var statuses = new List<RunStatus>();
        var valid = true;
        foreach (var (keyNode, value) in batch.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value;
            if (key == "experiment")
            {
                experiment = (value as YamlScalarNode)?.Value;
                if (!ExperimentName.IsValid(experiment))
                {
                    Malformed(file, value, experiment, $"'{experiment}' is not an experiment name (letters, digits, '.', '_', '-', '/').");
                    valid = false;
                }
            }
            else if (key == "status")
            {
                var words = value switch
                {
                    YamlScalarNode scalar => [scalar],
                    YamlSequenceNode list => list.Children.ToList(),
                    _ => [value],
                };
                foreach (var word in words)
                {
                    if (word is YamlScalarNode { Value: { } text } && RunStatusNames.TryParse(text, out var status))
                    {
                        statuses.Add(status);
                    }
                    else
                    {
                        Malformed(file, word, (word as YamlScalarNode)?.Value, $"'{(word as YamlScalarNode)?.Value}' is not a run status. Use one of: {string.Join(", ", RunStatusNames.All)}.");
                        valid = false;
                    }
                }
            }
            else
            {
                Malformed(file, keyNode, key, $"A batch has an unknown key '{key}'; it takes {string.Join(" and ", BatchKeys)}.");
                valid = false;
            }
        }

        if (experiment is null && !batch.Children.ContainsKey(new YamlScalarNode("experiment")))
        {
            Malformed(file, batch, null, "A cited batch names no experiment. Add 'experiment: <name>' to it.");
            return;
        }

        if (valid)
        {
            Batches.Add(new BatchCitation(experiment!, statuses.Distinct().ToList(), Line(batch)));
        }
    }

    private void Malformed(string file, YamlNode node, string? cited, string message) =>
        Problems.Add(new LedgerFinding(MalformedCode, FindingSeverity.Error, file, Line(node), cited, message));

    // The YAML starts on the file's second line, after the opening '---'.
    private static int Line(YamlNode node) => (int)node.Start.Line + 1;

    private static string Reason(YamlException error)
    {
        var message = error.InnerException?.Message ?? error.Message;
        var cut = message.IndexOf("): ", StringComparison.Ordinal);
        return (cut >= 0 ? message[(cut + 3)..] : message).TrimEnd('.');
    }
}
