using System.Management.Automation;
using SwarmPS.Cmdlets.Tests.Hosting;

namespace SwarmPS.Cmdlets.Tests;

/// <summary>Every [OutputType] type has a table view registered by the module, and real objects render with it.</summary>
[Collection(ModuleCollection.Name)]
public sealed class OutputViewTests(ModuleRunspace shell, TestSandbox sandbox) : IClassFixture<ModuleRunspace>
{
    [Fact]
    public void EveryDeclaredOutputTypeHasATableView()
    {
        var cmdlets = shell.Module.ExportedCmdlets.Values.ToList();
        Assert.All(cmdlets, cmdlet => Assert.True(cmdlet.OutputType.Count > 0, $"{cmdlet.Name} declares no [OutputType]"));
        var declared = cmdlets
            .SelectMany(cmdlet => cmdlet.OutputType.Select(output => (cmdlet.Name, Type: output.Type!)))
            .ToList();
        Assert.All(declared, item => Assert.True(item.Type is not null, $"{item.Name}: an [OutputType] that does not resolve to a type"));

        var missing = declared
            .Where(item => item.Type.Namespace?.StartsWith("System", StringComparison.Ordinal) != true) // PowerShell formats System.*
            .Where(item => TableViewFor(item.Type) is null)
            .Select(item => $"{item.Name} -> {item.Type.FullName}")
            .Distinct()
            .ToList();

        Assert.True(missing.Count == 0, "output types without a table view: " + string.Join(", ", missing));
    }

    public static TheoryData<string> RenderedScripts => new()
    {
        "Get-SwarmSite -Name local",
        "Get-SwarmAgentId -RunId demo-001 -Name ping, pong",
        "Import-SwarmCampaign -Path $campaign",
        "Import-SwarmCampaign -Path $twice | Test-SwarmCampaign",
        "New-SwarmTaskSet -Axis @{ depth = 2, 4 } -Seeds 2",
    };

    [Theory]
    [MemberData(nameof(RenderedScripts))]
    public void RealObjectsRenderWithTheirTableView(string script)
    {
        var directory = sandbox.NewDirectory("render");
        var variables = new (string, object?)[]
        {
            ("campaign", CampaignFiles.Write(directory, "render")),
            ("twice", CampaignFiles.Write(directory, "twice", pingPeers: "[pong, pong]")),
        };
        var objects = shell.Run(script, variables).AssertNoErrors().Output;
        Assert.NotEmpty(objects);
        var typeName = objects[0].TypeNames[0];
        var view = TableViewFor(objects[0].BaseObject.GetType());
        Assert.True(view is not null, $"no table view for {typeName}");
        var headers = Headers(view);

        var text = shell.Run("$items | Out-String -Width 400", ("items", objects)).AssertNoErrors().Output.Single().ToString();

        var lines = text.Split('\n').Select(line => line.TrimEnd('\r')).ToList();
        var headerLine = lines.FindIndex(line => line.TrimStart().StartsWith(headers[0], StringComparison.Ordinal));
        Assert.True(headerLine >= 0, $"{typeName}: no line starts with the view's first header '{headers[0]}':\n{text}");
        var position = 0;
        foreach (var header in headers)
        {
            var found = lines[headerLine].IndexOf(header, position, StringComparison.Ordinal);
            Assert.True(found >= position, $"{typeName}: header '{header}' missing or out of order in '{lines[headerLine]}'");
            position = found + header.Length;
        }

        // The underline row has one run of dashes per column: the view's columns, no more.
        var underline = lines[headerLine + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(underline, dashes => Assert.Matches("^-+$", dashes));
        Assert.Equal(headers.Count, underline.Length);
    }

    /// <summary>The module's table view for a type or, as PowerShell also applies it, for one of its base classes.</summary>
    private FormatViewDefinition? TableViewFor(Type type)
    {
        for (var current = type; current is not null && current != typeof(object); current = current.BaseType)
        {
            var view = shell.Run("Get-FormatData -TypeName $name", ("name", current.FullName)).AssertNoErrors().Output
                .Select(data => (ExtendedTypeDefinition)data.BaseObject)
                .SelectMany(data => data.FormatViewDefinition)
                .FirstOrDefault(definition => definition.Control is TableControl);
            if (view is not null)
            {
                return view;
            }
        }

        return null;
    }

    /// <summary>The column headers a table view shows: each header's label, else the column's property name.</summary>
    private static List<string> Headers(FormatViewDefinition view)
    {
        var table = (TableControl)view.Control;
        var columns = table.Rows[0].Columns;
        return table.Headers
            .Select((header, index) => string.IsNullOrEmpty(header.Label) ? columns[index].DisplayEntry.Value : header.Label)
            .ToList();
    }
}
