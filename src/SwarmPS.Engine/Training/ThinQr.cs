namespace SwarmPS.Engine.Training;

/// <summary>
/// Thin QR factorization X = Q·R of a tall matrix given by its columns, in double precision, by
/// modified Gram–Schmidt run twice per column ("twice is enough": the second pass restores the
/// orthogonality the first loses to rounding, so Q is orthonormal to working precision even for
/// ill-conditioned X). Why not Householder: the matrices here have a few dozen to a few hundred columns
/// and thousands of rows, stored as columns; MGS2 is as accurate for this use, simpler to read, and
/// works column by column on contiguous arrays.
///
/// A column that is (numerically) a combination of the previous ones gets a zero Q column and a zero
/// diagonal in R. That keeps X = Q·R exact to rounding; the row of R it leaves is zero, so whatever
/// multiplies R afterwards sees no contribution from it.
/// </summary>
internal static class ThinQr
{
    /// <summary>Below this fraction of its original norm, a column's remainder is treated as zero.</summary>
    private const double DependenceTolerance = 1e-13;

    /// <param name="columns">n columns of equal length m; not modified.</param>
    /// <returns>Q as n columns of length m, and R as an n×n upper-triangular [row, column] array.</returns>
    public static (double[][] Q, double[,] R) Factor(IReadOnlyList<double[]> columns)
    {
        var n = columns.Count;
        var q = new double[n][];
        var r = new double[n, n];
        for (var j = 0; j < n; j++)
        {
            var v = (double[])columns[j].Clone();
            var original = Norm(v);
            for (var pass = 0; pass < 2; pass++)
            {
                for (var i = 0; i < j; i++)
                {
                    var projection = Dot(q[i], v);
                    if (projection != 0)
                    {
                        Axpy(-projection, q[i], v);
                        r[i, j] += projection;
                    }
                }
            }

            var remainder = Norm(v);
            if (remainder <= DependenceTolerance * original || remainder == 0)
            {
                Array.Clear(v);
                q[j] = v;
                continue;
            }

            r[j, j] = remainder;
            Scale(1 / remainder, v);
            q[j] = v;
        }

        return (q, r);
    }

    internal static double Dot(double[] a, double[] b)
    {
        // Four accumulators: independent adds the CPU can overlap, and a little less rounding drift.
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        var i = 0;
        for (; i + 3 < a.Length; i += 4)
        {
            s0 += a[i] * b[i];
            s1 += a[i + 1] * b[i + 1];
            s2 += a[i + 2] * b[i + 2];
            s3 += a[i + 3] * b[i + 3];
        }

        for (; i < a.Length; i++)
        {
            s0 += a[i] * b[i];
        }

        return (s0 + s1) + (s2 + s3);
    }

    /// <summary>Euclidean norm, scaled so squares of very large or very small entries cannot overflow or vanish.</summary>
    internal static double Norm(double[] a)
    {
        double largest = 0;
        foreach (var x in a)
        {
            largest = Math.Max(largest, Math.Abs(x));
        }

        if (largest == 0)
        {
            return 0;
        }

        double sum = 0;
        foreach (var x in a)
        {
            var scaled = x / largest;
            sum += scaled * scaled;
        }

        return largest * Math.Sqrt(sum);
    }

    internal static void Axpy(double alpha, double[] x, double[] y)
    {
        for (var i = 0; i < y.Length; i++)
        {
            y[i] += alpha * x[i];
        }
    }

    private static void Scale(double alpha, double[] x)
    {
        for (var i = 0; i < x.Length; i++)
        {
            x[i] *= alpha;
        }
    }
}
