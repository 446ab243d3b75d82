namespace SwarmPS.Engine.Training;

/// <summary>
/// The write-only stream a streaming tensor writes its bytes to: it passes them on to the file and counts
/// them, and refuses any byte past the tensor's declared size, so a callback that writes too much cannot
/// shift every later tensor (the header was written first, with the declared offsets).
/// </summary>
internal sealed class TensorDataStream(Stream inner, long limit, Func<long, Exception> overrun) : Stream
{
    public long Written { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => Written;

    public override long Position
    {
        get => Written;
        set => throw new NotSupportedException("Tensor data is written in order; the stream cannot seek.");
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (buffer.Length > limit - Written)
        {
            throw overrun(Written + buffer.Length);
        }

        inner.Write(buffer);
        Written += buffer.Length;
    }

    public override void WriteByte(byte value) => Write([value]);

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
