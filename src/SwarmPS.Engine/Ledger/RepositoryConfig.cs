using System.Text.Json;
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Ledger;

/// <summary>
/// The repository's committed settings, <c>.swarm/config.json</c>: today its run id scheme, chosen once at
/// Initialize-SwarmRepository and shared through git so every clone derives the same id from the same
/// statepoint. A repository without the file (made before it existed) uses <see cref="RunIdScheme.Swarm"/>.
/// The file arrives from colleagues, so it is read as untrusted: a regular file of at most 64 KiB, one JSON
/// object of known keys only (a key this version does not know could change what an id means).
/// </summary>
public sealed record RepositoryConfig(RunIdScheme IdScheme)
{
    public const int SchemaVersion = 1;
    private const int MaxBytes = 64 * 1024;

    public static RepositoryConfig Default { get; } = new(RunIdScheme.Swarm);

    /// <summary>The scheme's name in the file and in messages: <c>swarm</c> or <c>signac</c>.</summary>
    public static string NameOf(RunIdScheme scheme) => scheme == RunIdScheme.Signac ? "signac" : "swarm";

    /// <summary>The recorded settings, or null when the repository has no config.json yet.</summary>
    public static RepositoryConfig? Read(SwarmRepository repository)
    {
        byte[]? bytes;
        try
        {
            bytes = BoundedFileRead.ReadAllBytes(repository.ConfigPath, MaxBytes, followLinks: false);
        }
        catch (FileRefusedException error)
        {
            throw Invalid(repository, $"was not read: {error.Message}");
        }
        catch (IOException error)
        {
            throw Invalid(repository, $"could not be read: {error.Message}");
        }

        return bytes is null ? null : Parse(repository, bytes);
    }

    /// <summary>The settings new runs follow: the recorded ones, or the default for an older repository.</summary>
    public static RepositoryConfig Current(SwarmRepository repository) => Read(repository) ?? Default;

    /// <summary>
    /// Throws <c>IdSchemeMismatch</c> unless the repository derives ids by <paramref name="scheme"/>: runs
    /// brought in with ids of another scheme would not be found again when their statepoint is run here.
    /// </summary>
    public static void RequireScheme(SwarmRepository repository, RunIdScheme scheme, string whatNeedsIt)
    {
        var current = Current(repository).IdScheme;
        if (current != scheme)
        {
            throw new SwarmException(
                "IdSchemeMismatch",
                $"{whatNeedsIt} needs a repository whose run ids follow the {NameOf(scheme)} scheme, but '{repository.Root}' gives {NameOf(current)} ids: the runs brought in would not be found again when their statepoint is run here.",
                $"Run 'Initialize-SwarmRepository -Path {repository.Root} -IdScheme {(scheme == RunIdScheme.Signac ? "Signac" : "Swarm")}' first (in a repository with no runs yet; one with runs needs -Force, and its runs keep their ids), commit .swarm/config.json, then try again.",
                SwarmErrorCategory.InvalidOperation,
                repository.Root);
        }
    }

    internal static void Write(SwarmRepository repository, RepositoryConfig config)
    {
        AtomicFile.WriteAllText(repository.ConfigPath, CanonicalJson.SerializeIndented(new Dictionary<string, object?>
        {
            ["id_scheme"] = NameOf(config.IdScheme),
            ["schema_version"] = SchemaVersion,
        }));
    }

    private static RepositoryConfig Parse(SwarmRepository repository, byte[] bytes)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes);
        }
        catch (JsonException error)
        {
            throw Invalid(repository, $"is not JSON ({error.Message})");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Invalid(repository, "is not a JSON object");
            }

            RunIdScheme? scheme = null;
            var version = 0;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                {
                    throw Invalid(repository, $"holds '{property.Name}' twice");
                }

                switch (property.Name)
                {
                    case "schema_version" when property.Value.ValueKind == JsonValueKind.Number && property.Value.TryGetInt32(out var number):
                        version = number;
                        break;
                    case "id_scheme" when property.Value.ValueKind == JsonValueKind.String:
                        scheme = property.Value.GetString() switch
                        {
                            "swarm" => RunIdScheme.Swarm,
                            "signac" => RunIdScheme.Signac,
                            var other => throw Invalid(repository, $"names the id scheme '{other}', which is neither 'swarm' nor 'signac'"),
                        };
                        break;
                    default:
                        throw Invalid(repository, $"holds '{property.Name}', which this SwarmPS does not know (written by a newer one, or by hand)");
                }
            }

            if (version != SchemaVersion)
            {
                throw Invalid(repository, $"has schema_version {(version == 0 ? "missing" : version)}, not {SchemaVersion}");
            }

            return new RepositoryConfig(scheme ?? throw Invalid(repository, "has no 'id_scheme'"));
        }
    }

    private static SwarmException Invalid(SwarmRepository repository, string problem) => new(
        "RepositoryConfigInvalid",
        $"'{repository.ConfigPath}' {problem}.",
        "Restore it from git ('git checkout -- .swarm/config.json'), or update SwarmPS if a newer version wrote it. It holds {\"id_scheme\": \"swarm\" or \"signac\", \"schema_version\": 1}.",
        SwarmErrorCategory.InvalidData,
        repository.ConfigPath);
}
