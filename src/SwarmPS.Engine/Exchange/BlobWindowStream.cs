namespace SwarmPS.Engine.Exchange;

/// <summary>
/// A read-only view of <paramref name="length"/> bytes of a seekable stream from <paramref name="start"/>,
/// the body of one upload attempt. It leaves the underlying stream open (a later attempt resumes from it)
/// and reports each chunk it hands out, which is the upload's progress.
/// </summary>
internal sealed class BlobWindowStream(Stream inner, long start, long length, Action<int> sent) : Stream
{
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        inner.Position = start + _position;
        var count = inner.Read(buffer[..(int)Math.Min(buffer.Length, length - _position)]);
        return Advance(count);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        inner.Position = start + _position;
        var count = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, length - _position)], cancellationToken).ConfigureAwait(false);
        return Advance(count);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Advance(int count)
    {
        _position += count;
        if (count > 0)
        {
            sent(count);
        }

        return count;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
