namespace SwarmPS.Engine.Training;

/// <summary>
/// One tensor for <see cref="SafetensorsWriter"/>: its name, dtype and shape (which fix its byte count, so
/// the header can be written before any data), and where its bytes come from: a buffer, or a callback that
/// streams them (a merged adapter computed slice by slice never needs to be whole in memory).
/// </summary>
public sealed class TensorToWrite
{
    private readonly ReadOnlyMemory<byte> _data;
    private readonly Action<Stream>? _writeData;

    /// <summary>A tensor whose bytes (little-endian elements, row-major) are in <paramref name="data"/>.</summary>
    public TensorToWrite(string name, TensorDType dtype, IReadOnlyList<long> shape, ReadOnlyMemory<byte> data)
        : this(name, dtype, shape)
    {
        _data = data;
    }

    /// <summary>
    /// A tensor whose bytes <paramref name="writeData"/> writes to the stream it is given, exactly
    /// <see cref="ByteCount"/> of them: the stream refuses one more, and the writer refuses fewer.
    /// </summary>
    public TensorToWrite(string name, TensorDType dtype, IReadOnlyList<long> shape, Action<Stream> writeData)
        : this(name, dtype, shape)
    {
        _writeData = writeData ?? throw new ArgumentNullException(nameof(writeData));
    }

    private TensorToWrite(string name, TensorDType dtype, IReadOnlyList<long> shape)
    {
        Name = name ?? throw new ArgumentNullException(nameof(name));
        DType = dtype;
        Shape = shape?.ToArray() ?? throw new ArgumentNullException(nameof(shape));
    }

    public string Name { get; }

    public TensorDType DType { get; }

    public IReadOnlyList<long> Shape { get; }

    /// <summary>Element count times element size; -1 when a dimension is negative or the product overflows.</summary>
    public long ByteCount
    {
        get
        {
            try
            {
                long elements = 1;
                foreach (var size in Shape)
                {
                    if (size < 0)
                    {
                        return -1;
                    }

                    elements = checked(elements * size);
                }

                return checked(elements * DType.ElementSize());
            }
            catch (OverflowException)
            {
                return -1;
            }
        }
    }

    internal bool HasBuffer => _writeData is null;

    internal int BufferLength => _data.Length;

    internal void WriteTo(Stream stream)
    {
        if (_writeData is null)
        {
            stream.Write(_data.Span);
        }
        else
        {
            _writeData(stream);
        }
    }
}
