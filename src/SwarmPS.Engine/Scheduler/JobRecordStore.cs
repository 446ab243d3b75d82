using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// Job records on this machine: <c>&lt;repo&gt;/.swarm/jobs/&lt;key&gt;.json</c>, written through <see cref="AtomicFile"/>
/// (a unique temporary file, flushed to disk, then renamed), so an interrupted write, a crash or two
/// cmdlets saving one record at once never leave half a record or lose a whole one. A record is the only
/// account of arrays already queued on a site. Records are 0600 in a 0700 directory: they hold the
/// sweep's command and every task's parameters.
/// </summary>
public sealed class JobRecordStore
{
    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public JobRecordStore(string swarmDirectory)
    {
        Directory = Path.Combine(swarmDirectory, "jobs");
    }

    /// <summary>The store of the experiment repository (or working directory) <paramref name="root"/>.</summary>
    public static JobRecordStore ForRepository(string root) => new(Path.Combine(root, ".swarm"));

    public string Directory { get; }

    public string PathOf(string key) => Path.Combine(Directory, key + ".json");

    public JobRecord? Find(string key)
    {
        var path = PathOf(key);
        return File.Exists(path) ? Read(path) : null;
    }

    public JobRecord Get(string key) => Find(key) ?? throw new SwarmException(
        "JobNotFound",
        $"No job record '{key}' in {Directory}.",
        "Run Get-SwarmJob without -Id to list the jobs recorded here, or run from the repository you submitted from.",
        SwarmErrorCategory.ObjectNotFound,
        key);

    public IReadOnlyList<JobRecord> List()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return Array.Empty<JobRecord>();
        }

        return System.IO.Directory.EnumerateFiles(Directory, "*.json").Order(StringComparer.Ordinal).Select(Read).ToList();
    }

    public void Save(JobRecord record)
    {
        OwnerOnly.CreateDirectory(Directory);
        AtomicFile.WriteAllText(PathOf(record.Key), Encoding.UTF8.GetString(Serialize(record)), durable: true);
    }

    public static byte[] Serialize(JobRecord record) => JsonSerializer.SerializeToUtf8Bytes(record, Json);

    private static JobRecord Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<JobRecord>(File.ReadAllBytes(path), Json)
                ?? throw new JsonException("empty document");
        }
        catch (JsonException error)
        {
            throw new SwarmException(
                "JobRecordInvalid",
                $"The job record '{path}' cannot be read: {error.Message}",
                "Restore it from the copy in the job root on the site (<runRoot>/jobs/<key>/record.json), or delete it to forget the job.",
                SwarmErrorCategory.InvalidData,
                path,
                error);
        }
    }
}
