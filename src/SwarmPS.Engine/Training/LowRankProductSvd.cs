namespace SwarmPS.Engine.Training;

/// <summary>
/// SVD of a matrix known as a sum of outer products, M = Σ_j x_j·y_jᵀ = X·Yᵀ (X is m×n, Y is p×n),
/// without ever forming the m×p matrix. With X = Q_x·R_x and Y = Q_y·R_y (thin QR),
/// M = Q_x·(R_x·R_yᵀ)·Q_yᵀ, so the SVD of the small n×n core C = R_x·R_yᵀ = U_c·Σ·V_cᵀ gives
/// M = (Q_x·U_c)·Σ·(Q_y·V_c)ᵀ. The cost is O((m + p)·n²) instead of O(m·p·min(m, p)): for a LoRA
/// module of 4096×4096 and 8 contributions of rank 16 (n = 128) that is milliseconds, not minutes.
///
/// Why not the eigenvalues of the Gram matrix MᵀM: forming it squares the condition number, so the
/// small singular values (exactly the ones a truncation error is made of) lose half their digits.
/// QR then one-sided Jacobi works on M's own scale and keeps them.
/// </summary>
internal static class LowRankProductSvd
{
    /// <param name="x">n columns of length m.</param>
    /// <param name="y">n columns of length p.</param>
    /// <returns>U (n columns of length m), σ descending (n values), V (n columns of length p).</returns>
    public static (double[][] U, double[] Sigma, double[][] V) Decompose(IReadOnlyList<double[]> x, IReadOnlyList<double[]> y)
    {
        var (qx, rx) = ThinQr.Factor(x);
        var (qy, ry) = ThinQr.Factor(y);
        var (uc, sigma, vc) = JacobiSvd.Decompose(Core(rx, ry));
        return (Combine(qx, uc), sigma, Combine(qy, vc));
    }

    /// <summary>
    /// ‖X·Yᵀ‖_F, computed as ‖R_x·R_yᵀ‖_F (Q_x and Q_y preserve the norm). Used for the error of a
    /// factorization, written as one such product, so a tiny error is measured on its own scale rather
    /// than as the difference of two large norms.
    /// </summary>
    public static double FrobeniusNorm(IReadOnlyList<double[]> x, IReadOnlyList<double[]> y)
    {
        var (_, rx) = ThinQr.Factor(x);
        var (_, ry) = ThinQr.Factor(y);
        var core = Core(rx, ry);
        var largest = core.SelectMany(c => c).Select(Math.Abs).DefaultIfEmpty(0).Max();
        if (largest == 0)
        {
            return 0;
        }

        var sum = core.SelectMany(c => c).Sum(value => (value / largest) * (value / largest));
        return largest * Math.Sqrt(sum);
    }

    /// <summary>C = R_x·R_yᵀ, returned as its n columns (column j is R_x·(row j of R_y)).</summary>
    private static double[][] Core(double[,] rx, double[,] ry)
    {
        var n = rx.GetLength(0);
        var columns = new double[n][];
        for (var j = 0; j < n; j++)
        {
            var column = new double[n];
            for (var i = 0; i < n; i++)
            {
                double sum = 0;
                // Both are upper triangular: R_x[i, l] is zero for l < i, R_y[j, l] for l < j.
                for (var l = Math.Max(i, j); l < n; l++)
                {
                    sum += rx[i, l] * ry[j, l];
                }

                column[i] = sum;
            }

            columns[j] = column;
        }

        return columns;
    }

    /// <summary>Q·W for Q given as n columns and W as n columns of length n: result column j = Σ_l W[l, j]·q_l.</summary>
    private static double[][] Combine(double[][] q, double[][] w)
    {
        var length = q.Length == 0 ? 0 : q[0].Length;
        var result = new double[w.Length][];
        for (var j = 0; j < w.Length; j++)
        {
            var column = new double[length];
            for (var l = 0; l < q.Length; l++)
            {
                if (w[j][l] != 0)
                {
                    ThinQr.Axpy(w[j][l], q[l], column);
                }
            }

            result[j] = column;
        }

        return result;
    }
}
