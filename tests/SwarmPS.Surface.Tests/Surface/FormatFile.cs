using System.Xml;
using System.Xml.Linq;

namespace SwarmPS.Surface.Tests.Surface;

/// <summary>
/// One format file (*.format.ps1xml) named by the manifest: whether it exists, whether it is well-formed
/// XML, and which type names its views select (directly, or through a named SelectionSet).
/// </summary>
public sealed record FormatFile(string ListedAs, string FullPath, bool Exists, string? XmlError, IReadOnlySet<string> SelectedTypeNames)
{
    public static FormatFile Read(string listedAs, string fullPath)
    {
        var none = new HashSet<string>(StringComparer.Ordinal);
        if (!File.Exists(fullPath))
        {
            return new FormatFile(listedAs, fullPath, false, null, none);
        }

        XDocument document;
        try
        {
            document = XDocument.Load(fullPath, LoadOptions.SetLineInfo);
        }
        catch (XmlException error)
        {
            return new FormatFile(listedAs, fullPath, true, $"line {error.LineNumber}, column {error.LinePosition}: {error.Message}", none);
        }

        var selectionSets = document.Descendants("SelectionSet")
            .ToDictionary(
                set => (string?)set.Element("Name") ?? "",
                set => set.Descendants("TypeName").Select(name => name.Value.Trim()).ToList(),
                StringComparer.OrdinalIgnoreCase);
        var selected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var viewSelectedBy in document.Descendants("View").Elements("ViewSelectedBy"))
        {
            selected.UnionWith(viewSelectedBy.Elements("TypeName").Select(name => name.Value.Trim()));
            foreach (var setName in viewSelectedBy.Elements("SelectionSetName"))
            {
                selected.UnionWith(selectionSets.GetValueOrDefault(setName.Value.Trim()) ?? new List<string>());
            }
        }

        return new FormatFile(listedAs, fullPath, true, null, selected);
    }
}
