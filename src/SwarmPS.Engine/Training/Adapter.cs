namespace SwarmPS.Engine.Training;

/// <summary>
/// An adapter file as Get-SwarmAdapter reports it: where it is, its digest, its tensors and metadata, and
/// the LoRA layout they form. Read in one pass and closed: it holds no map or handle.
/// </summary>
public sealed class Adapter
{
    private Adapter(string path, long length, string sha256, IReadOnlyList<TensorDescriptor> tensors, IReadOnlyDictionary<string, string> metadata, LoraLayout layout)
    {
        Path = path;
        Length = length;
        Sha256 = sha256;
        Tensors = tensors;
        Metadata = metadata;
        Layout = layout;
        ParameterCount = tensors.Sum(t => t.ElementCount);
    }

    /// <summary>The file's full path.</summary>
    public string Path { get; }

    /// <summary>The file's length in bytes.</summary>
    public long Length { get; }

    /// <summary>The sha256 of the whole file, lowercase hex: the digest contributions and manifests cite.</summary>
    public string Sha256 { get; }

    /// <summary>Every tensor, in the order of its bytes in the file.</summary>
    public IReadOnlyList<TensorDescriptor> Tensors { get; }

    /// <summary>The sum of every tensor's element count.</summary>
    public long ParameterCount { get; }

    /// <summary>The file's <c>__metadata__</c> (PEFT writes <c>format: pt</c>), keys in ordinal order.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The LoRA pairs, problems and rank.</summary>
    public LoraLayout Layout { get; }

    /// <summary>The paired LoRA modules (module, rank, in, out).</summary>
    public IReadOnlyList<LoraModule> LoraModules => Layout.Modules;

    /// <summary>LoRA tensors that do not pair up, or whose ranks disagree.</summary>
    public IReadOnlyList<LoraProblem> LoraProblems => Layout.Problems;

    /// <summary>The rank all LoRA modules share; null when none, or when their ranks differ.</summary>
    public long? Rank => Layout.Rank;

    /// <summary>Opens, validates, hashes and closes <paramref name="path"/>; refusals as <see cref="SafetensorsFile.Open"/>.</summary>
    public static Adapter Read(string path)
    {
        using var file = SafetensorsFile.Open(path);
        return new Adapter(file.Path, file.Length, file.ComputeSha256(), file.Tensors, file.Metadata, LoraLayout.Find(file.Tensors));
    }

    public override string ToString() => Path;
}
