using System.Reflection;
using Microsoft.Data.Sqlite;

namespace SwarmPS.Engine.Diagnostics;

/// <summary>
/// Reports which dependency builds the engine actually runs with. Support asks for this first when a
/// module misbehaves next to powershell-yaml or PSSQLite, and the load-isolation test asserts on it.
/// </summary>
public static class EngineInfo
{
    /// <summary>Assembly versions of the engine's managed dependencies, as loaded.</summary>
    public static IReadOnlyDictionary<string, string> DependencyVersions() => new SortedDictionary<string, string>
    {
        ["SwarmPS.Engine"] = VersionOf(typeof(EngineInfo).Assembly),
        ["YamlDotNet"] = VersionOf(typeof(YamlDotNet.Serialization.Deserializer).Assembly),
        ["Microsoft.Data.Sqlite"] = VersionOf(typeof(SqliteConnection).Assembly),
    };

    /// <summary>The native SQLite library's version; opening a connection proves it was found.</summary>
    public static string NativeSqliteVersion()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "select sqlite_version()";
        return (string)command.ExecuteScalar()!;
    }

    private static string VersionOf(Assembly assembly) => assembly.GetName().Version?.ToString() ?? "unknown";
}
