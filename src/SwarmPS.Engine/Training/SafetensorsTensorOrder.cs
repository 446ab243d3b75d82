namespace SwarmPS.Engine.Training;

/// <summary>The order in which <see cref="SafetensorsWriter"/> lays tensors out in the file.</summary>
public enum SafetensorsTensorOrder
{
    /// <summary>
    /// As the reference writer (Python <c>safetensors.torch.save_file</c>) does: by element size, widest
    /// first, then by name (bytewise UTF-8). Every tensor then starts aligned to its element size, so
    /// typed reads are zero-copy, and the file is byte-identical to the reference's for the same tensors
    /// and no metadata (the reference orders metadata keys by hash, SwarmPS by name).
    /// </summary>
    Reference,

    /// <summary>In the order given (a tensor may then start misaligned: readers copy it for typed access).</summary>
    Given,
}
