using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Training;

/// <summary>
/// A safetensors file opened for reading: memory-mapped read-only, its header parsed and validated at
/// open (<see cref="SafetensorsHeader"/>), each tensor's bytes handed out as a span over the map, with no
/// copy. Opening reads the 8-byte prefix and the header pages; a tensor's pages are read by the kernel
/// when its span is first touched.
/// </summary>
/// <remarks>
/// <para><b>Alignment.</b> The format puts the data right after the header, and the offsets are relative to
/// that point; nothing in the format aligns them. The reference writer pads the header to a multiple of 8
/// and orders tensors by descending element size, so its files (and <see cref="SafetensorsWriter"/>'s) have
/// every tensor aligned to its element size, but a file from elsewhere may not. <see cref="GetBytes"/> is
/// always zero-copy; <see cref="GetValues{T}(TensorDescriptor, out bool)"/> is zero-copy when the tensor's address is a multiple of the
/// element size (the view starts on a page boundary, so that is <see cref="TensorDescriptor.IsAligned"/>)
/// and otherwise copies that one tensor into a new array (<see cref="GetValues{T}(TensorDescriptor, out bool)"/> says which it did).</para>
/// <para><b>Lifetime.</b> Spans point into the map: they are valid until <see cref="Dispose"/>. A file
/// truncated by another process while mapped makes the next touch of a lost page fault (SIGBUS on
/// Unix), as with any mapped file; adapters are written once and renamed into place, never truncated.</para>
/// <para><b>Size.</b> One tensor is at most 2 GiB - 1 bytes as a span (.NET's span length); a larger tensor is
/// listed but <see cref="GetBytes"/> refuses it (<c>SafetensorsTensorTooLarge</c>). LoRA tensors are megabytes.</para>
/// </remarks>
public sealed unsafe class SafetensorsFile : IDisposable
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly Dictionary<string, TensorDescriptor> _byName;
    private byte* _base;

    private SafetensorsFile(string path, long length, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* pointer)
    {
        Path = path;
        Length = length;
        _map = map;
        _view = view;
        _base = pointer;
        try
        {
            var prefix = new ReadOnlySpan<byte>(pointer, SafetensorsHeader.PrefixLength);
            var headerLength = SafetensorsHeader.ReadHeaderLength(prefix, length, path);
            var json = new ReadOnlySpan<byte>(pointer + SafetensorsHeader.PrefixLength, (int)headerLength);
            Header = SafetensorsHeader.Parse(json, length - SafetensorsHeader.PrefixLength - headerLength, path);
        }
        catch
        {
            Dispose();
            throw;
        }

        _byName = new Dictionary<string, TensorDescriptor>(Header.Tensors.Count, StringComparer.Ordinal);
        foreach (var tensor in Header.Tensors)
        {
            _byName.Add(tensor.Name, tensor);
        }
    }

    /// <summary>The full path the file was opened from.</summary>
    public string Path { get; }

    /// <summary>The file's length in bytes.</summary>
    public long Length { get; }

    /// <summary>The validated header: N, the tensors in byte order, the metadata.</summary>
    public SafetensorsHeader Header { get; }

    /// <summary>The tensors in the order of their bytes in the file.</summary>
    public IReadOnlyList<TensorDescriptor> Tensors => Header.Tensors;

    /// <summary>The <c>__metadata__</c> map, empty when there is none.</summary>
    public IReadOnlyDictionary<string, string> Metadata => Header.Metadata;

    /// <summary>
    /// Opens and validates <paramref name="path"/>. Refusals (missing, not a regular file, unreadable, any
    /// fault of the format) are <see cref="SwarmException"/>s naming the file; nothing is allocated in
    /// proportion to a size the file claims, only to what it holds.
    /// </summary>
    public static SafetensorsFile Open(string path)
    {
        var fullPath = System.IO.Path.GetFullPath(path);
        FileStream stream;
        try
        {
            // A FIFO would block the open and a device would map endless bytes: only regular files.
            if (!BoundedFileRead.IsRegularFile(fullPath, followLinks: true))
            {
                throw new SwarmException("SafetensorsFileNotFound",
                    $"'{System.IO.Path.GetFileName(fullPath)}' does not exist.",
                    "Check the path; relative paths are resolved from the current directory.",
                    SwarmErrorCategory.ObjectNotFound, fullPath);
            }

            stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        }
        catch (FileRefusedException error)
        {
            throw new SwarmException("SafetensorsFileNotRegular", error.Message,
                "Pass the .safetensors file itself (adapter_model.safetensors inside an adapter folder).",
                SwarmErrorCategory.InvalidArgument, fullPath);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new SwarmException("SafetensorsFileUnreadable",
                $"'{System.IO.Path.GetFileName(fullPath)}' cannot be read: {error.Message}",
                "Check its permissions (ls -l); SwarmPS reads adapters with your own rights.",
                SwarmErrorCategory.PermissionDenied, fullPath, error);
        }

        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        try
        {
            var length = stream.Length;
            if (length < SafetensorsHeader.PrefixLength)
            {
                // Checked before mapping: an empty file cannot be mapped at all.
                SafetensorsHeader.ReadHeaderLength(ReadOnlySpan<byte>.Empty, length, fullPath);
            }

            map = MemoryMappedFile.CreateFromFile(stream, mapName: null, capacity: 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            return new SafetensorsFile(fullPath, length, map, view, pointer + view.PointerOffset);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            view?.Dispose();
            map?.Dispose();
            stream.Dispose();
            throw new SwarmException("SafetensorsFileUnreadable",
                $"'{System.IO.Path.GetFileName(fullPath)}' cannot be mapped for reading: {error.Message}",
                "Check that the file is on a local or network file system that supports memory maps, and its permissions.",
                SwarmErrorCategory.ResourceUnavailable, fullPath, error);
        }
        catch
        {
            view?.Dispose();
            map?.Dispose();
            stream.Dispose();
            throw;
        }
    }

    /// <summary>The tensor named <paramref name="name"/>; <c>SafetensorsTensorNotFound</c> when there is none.</summary>
    public TensorDescriptor GetTensor(string name) =>
        _byName.TryGetValue(name, out var tensor)
            ? tensor
            : throw new SwarmException("SafetensorsTensorNotFound",
                $"'{System.IO.Path.GetFileName(Path)}' holds no tensor named '{name}'.",
                "List the file's tensors (Get-SwarmAdapter <file> | Select-Object -ExpandProperty Tensors) and use one of their names.",
                SwarmErrorCategory.ObjectNotFound, Path);

    public bool TryGetTensor(string name, out TensorDescriptor tensor) => _byName.TryGetValue(name, out tensor!);

    /// <summary>The tensor's bytes as they lie in the file (little-endian elements), with no copy.</summary>
    public ReadOnlySpan<byte> GetBytes(TensorDescriptor tensor)
    {
        var own = Own(tensor);
        return new ReadOnlySpan<byte>(Pointer() + own.FileOffset, SpanLength(own));
    }

    /// <summary>
    /// The tensor's elements as <typeparamref name="T"/> (float for F32, <see cref="Half"/> for F16, ushort
    /// for BF16, which .NET 8 has no type for, long for I64, byte for U8 and BOOL, ...). Zero-copy when the
    /// tensor is aligned for <typeparamref name="T"/>; otherwise a copy of this tensor, and
    /// <paramref name="copied"/> says so. The values are the file's little-endian bytes, so this is for
    /// little-endian machines (every platform .NET 8 runs SwarmPS on).
    /// </summary>
    public ReadOnlySpan<T> GetValues<T>(TensorDescriptor tensor, out bool copied)
        where T : unmanaged
    {
        var own = Own(tensor);
        if (sizeof(T) != own.DType.ElementSize())
        {
            throw new SwarmException("SafetensorsElementTypeMismatch",
                $"Tensor '{own.Name}' of '{System.IO.Path.GetFileName(Path)}' is {own.DType} ({own.DType.ElementSize()} bytes an element), which cannot be read as {typeof(T).Name} ({sizeof(T)} bytes).",
                $"Read it as an element type of {own.DType.ElementSize()} bytes, or check the tensor's DType first.",
                SwarmErrorCategory.InvalidArgument, Path);
        }

        var bytes = GetBytes(own);
        var address = (nuint)(Pointer() + own.FileOffset);
        if (address % (nuint)sizeof(T) == 0)
        {
            copied = false;
            return MemoryMarshal.Cast<byte, T>(bytes);
        }

        // Misaligned: an unaligned typed read is legal on x64 and arm64 but not promised by the runtime for
        // every T, and vectorised readers assume alignment; one copy of this tensor is the safe answer.
        var values = new T[bytes.Length / sizeof(T)];
        bytes.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        copied = true;
        return values;
    }

    /// <inheritdoc cref="GetValues{T}(TensorDescriptor, out bool)"/>
    public ReadOnlySpan<T> GetValues<T>(TensorDescriptor tensor)
        where T : unmanaged => GetValues<T>(tensor, out _);

    /// <summary>The sha256 of the whole file, lowercase hex, hashed from the map (no read buffer).</summary>
    public string ComputeSha256()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        const int Chunk = 1 << 30;
        for (long offset = 0; offset < Length; offset += Chunk)
        {
            hash.AppendData(new ReadOnlySpan<byte>(Pointer() + offset, (int)Math.Min(Chunk, Length - offset)));
        }

        return Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
    }

    public void Dispose()
    {
        if (_base != null)
        {
            _base = null;
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
        }

        _view.Dispose();
        _map.Dispose();
    }

    private byte* Pointer() => _base != null ? _base : throw new ObjectDisposedException(nameof(SafetensorsFile), $"'{Path}' was closed.");

    // A descriptor from another file (or made by hand) would point anywhere in this map: only our own.
    private TensorDescriptor Own(TensorDescriptor tensor) =>
        _byName.TryGetValue(tensor.Name, out var own) && own == tensor
            ? own
            : throw new ArgumentException($"Tensor '{tensor.Name}' is not a tensor of '{Path}'.", nameof(tensor));

    private int SpanLength(TensorDescriptor tensor) =>
        tensor.ByteCount <= int.MaxValue
            ? (int)tensor.ByteCount
            : throw new SwarmException("SafetensorsTensorTooLarge",
                $"Tensor '{tensor.Name}' of '{System.IO.Path.GetFileName(Path)}' is {tensor.ByteCount} bytes, more than one span can hold (2 GiB - 1).",
                "Split the tensor, or read the file with a tool that streams it; LoRA adapters hold no tensor this large.",
                SwarmErrorCategory.InvalidOperation, Path);
}
