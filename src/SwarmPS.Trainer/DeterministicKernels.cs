using System.Numerics.Tensors;

namespace SwarmPS.Trainer;

/// <summary>
/// Why every product here is an axpy: <c>TensorPrimitives.Dot</c> sums in an order that follows the CPU's
/// vector width (SSE, AVX2, AVX-512) and may fuse multiply and add, so a dot product could differ in its
/// last bit between two machines, and a replay on the same backend would no longer be bitwise. An
/// element-wise <c>y = a·x + y</c> (unfused: <c>MultiplyAdd</c> rounds the product, then the sum) gives each
/// output element the same sequence of float32 operations on any hardware: each sum runs over its terms
/// in index order, exactly as a plain scalar loop would.
/// </summary>
internal static class DeterministicKernels
{
    /// <summary><paramref name="y"/> += <paramref name="a"/>·<paramref name="x"/>, element by element.</summary>
    public static void Axpy(float a, ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.MultiplyAdd(x, a, y, y);

    /// <summary>
    /// <paramref name="y"/>[o] = Σ_k <paramref name="x"/>[k]·<paramref name="matrixT"/>[k, o] for k ascending, where
    /// <paramref name="matrixT"/> is the transpose ([inputs, outputs], row-major) of the matrix applied.
    /// </summary>
    public static void MultiplyTransposed(ReadOnlySpan<float> matrixT, ReadOnlySpan<float> x, Span<float> y)
    {
        y.Clear();
        var outputs = y.Length;
        for (var k = 0; k < x.Length; k++)
        {
            Axpy(x[k], matrixT.Slice(k * outputs, outputs), y);
        }
    }

    /// <summary>The transpose of a row-major [rows, columns] matrix, as [columns, rows].</summary>
    public static float[] Transpose(ReadOnlySpan<float> matrix, int rows, int columns)
    {
        var result = new float[matrix.Length];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                result[(c * rows) + r] = matrix[(r * columns) + c];
            }
        }

        return result;
    }
}
