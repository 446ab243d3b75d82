using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace SwarmPS.Cmdlets.Tests.Hosting;

/// <summary>
/// One PowerShell runspace per test class with the built module imported once, by
/// <c>Import-Module &lt;repo&gt;/SwarmPS.psd1</c>, as an operator imports it. The module's assemblies never
/// unload, so after the first class the import reuses what this process already loaded, as a second
/// Import-Module in one pwsh does.
/// </summary>
public sealed class ModuleRunspace : IDisposable
{
    public ModuleRunspace()
    {
        Runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
        Runspace.Open();
        var import = Run("Import-Module -Name $manifest -ErrorAction Stop -PassThru", ("manifest", RepositoryLayout.Manifest));
        import.AssertNoErrors();
        Module = (PSModuleInfo)import.Output.Single().BaseObject;
    }

    public Runspace Runspace { get; }

    public PSModuleInfo Module { get; }

    /// <summary>
    /// Runs a script in this runspace and returns every stream. A terminating error (one the script does not
    /// catch, or a parse error) is returned as an error record rather than thrown, so tests assert on
    /// records the same way whichever kind the cmdlet raised.
    /// </summary>
    public ScriptResult Run(string script, params (string Name, object? Value)[] variables)
    {
        foreach (var (name, value) in variables)
        {
            Runspace.SessionStateProxy.SetVariable(name, value);
        }

        using var shell = PowerShell.Create(Runspace);
        shell.AddScript(script);
        Collection<PSObject> output;
        var errors = new List<ErrorRecord>();
        try
        {
            output = shell.Invoke();
        }
        catch (RuntimeException terminating)
        {
            output = new Collection<PSObject>();
            errors.Add(terminating.ErrorRecord);
        }

        errors.InsertRange(0, shell.Streams.Error);
        return new ScriptResult(
            output.Where(item => item is not null).ToList(),
            errors,
            shell.Streams.Warning.ToList(),
            shell.Streams.Progress.ToList(),
            shell.Streams.Information.ToList());
    }

    public void Dispose() => Runspace.Dispose();
}
