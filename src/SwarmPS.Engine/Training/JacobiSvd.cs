namespace SwarmPS.Engine.Training;

/// <summary>
/// Singular value decomposition of a small square matrix by one-sided Jacobi (Hestenes): plane
/// rotations applied to pairs of columns until every pair is orthogonal. Then the column norms are the
/// singular values, the normalized columns the left vectors, and the accumulated rotations the right
/// vectors. Chosen because it is the most accurate SVD there is for its size (it computes even small
/// singular values to high relative accuracy, Demmel–Veselić 1992), it needs no bidiagonalization or
/// shifts to get right, and it is short enough to review. It costs O(n³) per sweep, which is fine here:
/// it only ever sees the n×n core of <see cref="LowRankProductSvd"/>, n = the sum of the ranks.
/// </summary>
internal static class JacobiSvd
{
    private const int MaxSweeps = 60;

    /// <summary>A pair counts as orthogonal when |cos angle| is below this (about machine epsilon).</summary>
    private const double OrthogonalityTolerance = 1e-15;

    /// <param name="columns">The matrix as n columns of length m; not modified.</param>
    /// <returns>U (n columns of length m), σ descending, V (n columns of length n).</returns>
    public static (double[][] U, double[] Sigma, double[][] V) Decompose(IReadOnlyList<double[]> columns)
    {
        var n = columns.Count;
        var w = columns.Select(c => (double[])c.Clone()).ToArray();
        var v = new double[n][];
        for (var j = 0; j < n; j++)
        {
            v[j] = new double[n];
            v[j][j] = 1;
        }

        for (var sweep = 0; sweep < MaxSweeps; sweep++)
        {
            var rotated = false;
            for (var p = 0; p < n - 1; p++)
            {
                for (var q = p + 1; q < n; q++)
                {
                    var alpha = ThinQr.Dot(w[p], w[p]);
                    var beta = ThinQr.Dot(w[q], w[q]);
                    var gamma = ThinQr.Dot(w[p], w[q]);
                    if (gamma == 0 || Math.Abs(gamma) <= OrthogonalityTolerance * Math.Sqrt(alpha * beta))
                    {
                        continue;
                    }

                    // The rotation that zeroes the off-diagonal of the 2×2 Gram matrix [[α, γ], [γ, β]],
                    // with the smaller angle (|t| ≤ 1) for stability.
                    var zeta = (beta - alpha) / (2 * gamma);
                    var t = Math.Sign(zeta == 0 ? 1 : zeta) / (Math.Abs(zeta) + Math.Sqrt(1 + zeta * zeta));
                    var c = 1 / Math.Sqrt(1 + t * t);
                    var s = c * t;
                    Rotate(w[p], w[q], c, s);
                    Rotate(v[p], v[q], c, s);
                    rotated = true;
                }
            }

            if (!rotated)
            {
                break;
            }
        }

        var sigma = w.Select(ThinQr.Norm).ToArray();
        var order = Enumerable.Range(0, n).OrderByDescending(j => sigma[j]).ToArray();
        var u = new double[n][];
        var sortedSigma = new double[n];
        var sortedV = new double[n][];
        for (var i = 0; i < n; i++)
        {
            var j = order[i];
            sortedSigma[i] = sigma[j];
            sortedV[i] = v[j];
            u[i] = w[j];
            if (sigma[j] > 0)
            {
                var inverse = 1 / sigma[j];
                for (var e = 0; e < u[i].Length; e++)
                {
                    u[i][e] *= inverse;
                }
            }
        }

        return (u, sortedSigma, sortedV);
    }

    private static void Rotate(double[] x, double[] y, double c, double s)
    {
        for (var i = 0; i < x.Length; i++)
        {
            var xi = x[i];
            var yi = y[i];
            x[i] = c * xi - s * yi;
            y[i] = s * xi + c * yi;
        }
    }
}
