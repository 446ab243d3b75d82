using System.Globalization;

namespace SwarmPS.Engine.Training;

/// <summary>
/// Compares a contributed adapter with the one a replay produced (same seed, shard and steps): the same
/// tensors (names, shapes) or it is <see cref="ReplayMatch.Outside"/>; the same data bytes is
/// <see cref="ReplayMatch.Bitwise"/>; otherwise every tensor's largest difference relative to its largest
/// magnitude must be within the tolerance. Values are compared as float32 whatever their dtype, so an F16
/// contribution and an F32 replay compare on their values.
/// </summary>
public static class ReplayComparison
{
    /// <summary>Relative differences are taken against at least this magnitude, so an all-zero tensor does not divide by zero.</summary>
    private const double TinyMagnitude = 1e-30;

    public static ReplayReceipt Compare(
        ContributionVerdict contribution,
        string replayedPath,
        string replayBackend,
        double tolerance)
    {
        if (!(tolerance > 0) || !double.IsFinite(tolerance))
        {
            throw new SwarmException("ReplayToleranceInvalid",
                $"The replay tolerance {tolerance.ToString(CultureInfo.InvariantCulture)} is not a positive number.",
                "Give a tolerance above 0, as the plan's validation.replay_tolerance.");
        }

        using var contributed = SafetensorsFile.Open(contribution.AdapterPath);
        using var replayed = SafetensorsFile.Open(replayedPath);
        var differences = new List<string>();
        var bitwise = true;
        double worst = 0;

        var names = contributed.Tensors.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        differences.AddRange(replayed.Tensors.Where(t => !names.Contains(t.Name)).Select(t => $"{t.Name} is only in the replay"));
        foreach (var tensor in contributed.Tensors)
        {
            if (!replayed.TryGetTensor(tensor.Name, out var other))
            {
                differences.Add($"{tensor.Name} is missing from the replay");
                continue;
            }

            if (!tensor.Shape.SequenceEqual(other.Shape))
            {
                differences.Add($"{tensor.Name} is {tensor.ShapeText} contributed and {other.ShapeText} replayed");
                continue;
            }

            if (tensor.DType == other.DType && contributed.GetBytes(tensor).SequenceEqual(replayed.GetBytes(other)))
            {
                continue;
            }

            bitwise = false;
            var relative = RelativeDifference(contributed, tensor, replayed, other);
            worst = Math.Max(worst, relative);
            if (!(relative <= tolerance))
            {
                differences.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{tensor.Name} differs by {relative:G4} relative, over the tolerance {tolerance:G4}"));
            }
        }

        var match = differences.Count > 0 ? ReplayMatch.Outside : bitwise ? ReplayMatch.Bitwise : ReplayMatch.WithinTolerance;
        return new ReplayReceipt(
            contribution.RunId,
            contribution.Contributor,
            contribution.AdapterDigest,
            "sha256:" + replayed.ComputeSha256(),
            contribution.Backend,
            replayBackend,
            match,
            worst,
            tolerance,
            differences);
    }

    /// <summary>max|a − b| / max|a| over one tensor, in double; NaN anywhere makes it NaN, which no tolerance passes.</summary>
    private static double RelativeDifference(SafetensorsFile left, TensorDescriptor leftTensor, SafetensorsFile right, TensorDescriptor rightTensor)
    {
        var a = new float[checked((int)leftTensor.ElementCount)];
        var b = new float[a.Length];
        TensorConversion.ToSingle(left, leftTensor, a);
        TensorConversion.ToSingle(right, rightTensor, b);
        double largest = 0, difference = 0;
        for (var i = 0; i < a.Length; i++)
        {
            var gap = Math.Abs((double)a[i] - b[i]);
            if (double.IsNaN(gap))
            {
                return double.NaN;
            }

            difference = Math.Max(difference, gap);
            largest = Math.Max(largest, Math.Abs((double)a[i]));
        }

        return difference / Math.Max(largest, TinyMagnitude);
    }
}
