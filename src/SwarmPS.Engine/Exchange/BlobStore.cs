using System.Security.Cryptography;
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// The exchange's content-addressed blobs, as files under its state directory:
/// <c>blobs/sha256/&lt;first 2 hex&gt;/&lt;hex&gt;</c> for complete blobs (immutable once there) and
/// <c>blobs/partial/&lt;hex&gt;</c> for a resumable upload in progress. Everything is owner-only. A blob is
/// renamed into place only after its bytes are on disk (fsync) and their SHA-256 equals its name, so a
/// reader, a crash or a restart sees a whole, correct blob or none. Bodies are streamed through one
/// buffer: no blob is ever held in memory.
/// </summary>
public sealed class BlobStore
{
    /// <summary>A read of the request body into the buffer: the byte count, 0 at its end.</summary>
    public delegate ValueTask<int> BodyRead(Memory<byte> into);

    private const string TemporarySuffix = ".tmp";

    private readonly BlobUploadGate _uploads = new();

    private BlobStore(string directory, long maxBlobBytes)
    {
        Directory = directory;
        MaxBlobBytes = maxBlobBytes;
    }

    /// <summary>The blob directory, &lt;stateDir&gt;/blobs.</summary>
    public string Directory { get; }

    public long MaxBlobBytes { get; }

    private string CompleteRoot => Path.Combine(Directory, "sha256");

    private string PartialRoot => Path.Combine(Directory, "partial");

    /// <summary>
    /// Opens (creating owner-only) the blob directory. Temporary files of one-shot uploads that a crash
    /// interrupted are deleted: nobody can resume them. Partial uploads are kept for their senders to resume.
    /// </summary>
    public static BlobStore Open(string directory, ExchangeLimits limits)
    {
        var store = new BlobStore(Path.GetFullPath(directory), limits.MaxBlobBytes);
        OwnerOnly.CreateDirectory(store.CompleteRoot);
        OwnerOnly.CreateDirectory(store.PartialRoot);
        foreach (var leftover in System.IO.Directory.EnumerateFiles(store.PartialRoot, "*" + TemporarySuffix))
        {
            File.Delete(leftover);
        }

        return store;
    }

    /// <summary>The file of a complete blob (which may not exist).</summary>
    public string PathOf(BlobDigest digest) => Path.Combine(CompleteRoot, digest.Hex[..2], digest.Hex);

    private string PartialOf(BlobDigest digest) => Path.Combine(PartialRoot, digest.Hex);

    /// <summary>The size of the complete blob, or null when the exchange does not hold it.</summary>
    public long? SizeOf(BlobDigest digest)
    {
        var file = new FileInfo(PathOf(digest));
        return file.Exists ? file.Length : null;
    }

    /// <summary>How many bytes of an unfinished upload of <paramref name="digest"/> have arrived (0 when none has begun).</summary>
    public long OffsetOf(BlobDigest digest)
    {
        var file = new FileInfo(PartialOf(digest));
        return file.Exists ? file.Length : 0;
    }

    /// <summary>The complete blob for reading, or null when the exchange does not hold it.</summary>
    public FileStream? OpenRead(BlobDigest digest)
    {
        try
        {
            return new FileStream(PathOf(digest), new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.Read | FileShare.Delete, BufferSize = 0, Options = FileOptions.Asynchronous });
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// Stores a blob sent in one body (no Content-Range). It goes to a temporary file of this request's own,
    /// so concurrent senders of one blob never write the same file; the first to finish renames it into
    /// place and the others find it there. Throws BlobDigestMismatch (nothing kept) when the bytes are not
    /// the named blob, BlobUploadIncomplete when fewer than <paramref name="declaredLength"/> arrived.
    /// </summary>
    public async Task<BlobReceipt> PutAsync(BlobDigest digest, BodyRead read, long? declaredLength, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var temporary = Path.Combine(PartialRoot, $"{digest.Hex}.{Guid.NewGuid():N}{TemporarySuffix}");
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long length = 0;
            await using (var file = CreateOwnerOnly(temporary, FileMode.CreateNew))
            {
                int count;
                while ((count = await read(buffer).ConfigureAwait(false)) > 0)
                {
                    length += count;
                    if (length > MaxBlobBytes)
                    {
                        throw TooLarge(digest, length);
                    }

                    hash.AppendData(buffer.Span[..count]);
                    await Disk(() => file.WriteAsync(buffer[..count], cancellationToken)).ConfigureAwait(false);
                }

                if (declaredLength is { } declared && length != declared)
                {
                    throw Incomplete(digest, length, declared);
                }

                Disk(() => file.Flush(flushToDisk: true));
            }

            var actual = BlobDigest.From(hash.GetHashAndReset());
            if (actual != digest)
            {
                throw Mismatch(digest, actual);
            }

            var receipt = Commit(digest, temporary, length);
            DropAbandonedPartial(digest);
            return receipt;
        }
        finally
        {
            TryDelete(temporary);
        }
    }

    /// <summary>
    /// Appends bytes <paramref name="first"/>..<paramref name="last"/> of a <paramref name="total"/>-byte blob
    /// to its partial upload, only when <paramref name="first"/> is exactly what has arrived so far
    /// (BlobOffsetMismatch otherwise) and no other request is appending to it (BlobUploadInProgress).
    /// Whatever arrives is kept and flushed, also when the sender goes away mid-body, so the next request
    /// resumes from there. When the last byte is in, the partial is checked against the name and renamed
    /// into place (BlobDigestMismatch discards it). Returns the receipt when complete, else the new offset.
    /// </summary>
    public async Task<(BlobReceipt? Receipt, long Offset)> AppendAsync(BlobDigest digest, long first, long last, long total, BodyRead read, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (total > MaxBlobBytes)
        {
            throw TooLarge(digest, total);
        }

        using var hold = _uploads.TryEnter(digest.Hex) ?? throw InProgress(digest, OffsetOf(digest));
        var partial = PartialOf(digest);
        var offset = OffsetOf(digest);
        if (first != offset)
        {
            throw OffsetMismatch(digest, first, offset);
        }

        var end = last + 1;
        await using (var file = CreateOwnerOnly(partial, FileMode.OpenOrCreate))
        {
            file.Position = offset;
            try
            {
                while (offset < end)
                {
                    var count = await read(buffer[..(int)Math.Min(buffer.Length, end - offset)]).ConfigureAwait(false);
                    if (count == 0)
                    {
                        throw Incomplete(digest, offset, end);
                    }

                    await Disk(() => file.WriteAsync(buffer[..count], cancellationToken)).ConfigureAwait(false);
                    offset += count;
                }
            }
            finally
            {
                // Kept on every way out (the sender gone, a stall, a short body): the bytes that arrived
                // are the offset the next attempt resumes from, and they must be on disk before it is told so.
                Disk(() => file.Flush(flushToDisk: true));
            }

            if (await read(buffer[..1]).ConfigureAwait(false) > 0)
            {
                file.SetLength(first);
                throw BlobRanges.Invalid($"The body of the upload of {digest} holds more bytes than its Content-Range bytes {first}-{last}/{total} names.");
            }
        }

        if (end < total)
        {
            return (null, end);
        }

        BlobDigest actual;
        await using (var check = new FileStream(partial, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan))
        {
            actual = await BlobDigest.OfAsync(check, cancellationToken).ConfigureAwait(false);
        }

        if (actual != digest)
        {
            TryDelete(partial);
            throw Mismatch(digest, actual);
        }

        var receipt = Commit(digest, partial, total);
        TryDelete(partial);
        return (receipt, total);
    }

    /// <summary>
    /// Renames a verified, flushed file into place and flushes its directory, so the blob survives a crash
    /// under its name. A blob already there (another sender was first) is left as it is: same name, same bytes.
    /// </summary>
    private BlobReceipt Commit(BlobDigest digest, string verified, long length)
    {
        var target = PathOf(digest);
        var directory = Path.GetDirectoryName(target)!;
        return Disk(() =>
        {
            OwnerOnly.CreateDirectory(directory);
            try
            {
                File.Move(verified, target, overwrite: false);
            }
            catch (IOException) when (File.Exists(target))
            {
                return new BlobReceipt(digest, new FileInfo(target).Length, Created: false);
            }

            DirectorySync.Flush(directory);
            return new BlobReceipt(digest, length, Created: true);
        });
    }

    /// <summary>A resumable upload of a blob that arrived whole meanwhile is of no more use, unless someone is still appending.</summary>
    private void DropAbandonedPartial(BlobDigest digest)
    {
        using var hold = _uploads.TryEnter(digest.Hex);
        if (hold is not null)
        {
            TryDelete(PartialOf(digest));
        }
    }

    private static FileStream CreateOwnerOnly(string path, FileMode mode)
    {
        var options = new FileStreamOptions { Mode = mode, Access = FileAccess.Write, Share = FileShare.Read, BufferSize = 0, Options = FileOptions.Asynchronous };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly.FileMode;
        }

        return Disk(() => new FileStream(path, options));
    }

    /// <summary>A failure of the exchange's own disk (full, read-only), told apart from a sender that went away.</summary>
    private static T Disk<T>(Func<T> operation)
    {
        try
        {
            return operation();
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw StoreFailed(error);
        }
    }

    private static void Disk(Action operation) => Disk(() =>
    {
        operation();
        return 0;
    });

    private static async Task Disk(Func<ValueTask> operation)
    {
        try
        {
            await operation().ConfigureAwait(false);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw StoreFailed(error);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // Left for the next start to clear.
        }
    }

    private static SwarmException StoreFailed(Exception error) => new(
        "BlobStoreFailed",
        $"The exchange could not write a blob to its state directory: {error.Message}",
        "Check free space and permissions of the exchange's state directory (blobs/ in it), then retry the upload; it resumes where it stopped.",
        SwarmErrorCategory.ResourceUnavailable,
        null,
        error);

    internal SwarmException TooLarge(BlobDigest digest, long length) => new(
        "BlobTooLarge",
        $"Blob {digest} is {length} bytes or more, larger than this exchange's limit of {MaxBlobBytes} bytes.",
        "Split the payload into several blobs, or start the exchange with a larger MaxBlobBytes limit.",
        SwarmErrorCategory.InvalidArgument,
        digest.ToString());

    public static SwarmException Mismatch(BlobDigest expected, BlobDigest actual) => new(
        "BlobDigestMismatch",
        $"The bytes sent as {expected} have the digest {actual}; nothing was stored.",
        "Name the blob by the SHA-256 of exactly the bytes you send (the file changed while it was sent, or the name is of another file), then send it again.",
        SwarmErrorCategory.InvalidData,
        expected.ToString());

    private static SwarmException Incomplete(BlobDigest digest, long arrived, long expected) => new BlobOffsetException(
        "BlobUploadIncomplete",
        $"The body for {digest} ended after byte {arrived}, before byte {expected} it announced.",
        "Resume the upload: PUT the rest with Content-Range: bytes <offset>-<size-1>/<size>, where the offset is the Upload-Offset header of this answer or of a HEAD.",
        arrived);

    private static SwarmException OffsetMismatch(BlobDigest digest, long first, long offset) => new BlobOffsetException(
        "BlobOffsetMismatch",
        $"An upload of {digest} continued at byte {first}, but the exchange holds {offset} bytes of it.",
        $"Resume from byte {offset} (the Upload-Offset header): PUT bytes {offset}-<size-1>/<size>.",
        offset);

    private static SwarmException InProgress(BlobDigest digest, long offset) => new BlobOffsetException(
        "BlobUploadInProgress",
        $"Another request is uploading {digest} right now ({offset} bytes in).",
        "Wait a moment and resume from the offset a HEAD reports; if the other sender is gone, the exchange notices within its body timeout.",
        offset);
}
