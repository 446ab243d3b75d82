namespace SwarmPS.Engine.Tests.Configuration;

/// <summary>A private temporary folder for configuration files, removed after the test.</summary>
public sealed class TempConfigFiles : IDisposable
{
    public TempConfigFiles()
    {
        Root = Directory.CreateTempSubdirectory("swarmps-config-").FullName;
    }

    public string Root { get; }

    public string Write(string name, string text)
    {
        var path = Path.Combine(Root, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    public string WriteBytes(string name, byte[] bytes)
    {
        var path = Path.Combine(Root, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
