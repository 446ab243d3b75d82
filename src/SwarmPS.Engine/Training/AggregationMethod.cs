namespace SwarmPS.Engine.Training;

/// <summary>How contributions are combined into one adapter.</summary>
public enum AggregationMethod
{
    /// <summary>Each tensor averaged, weighted by example count.</summary>
    FedAvg,

    /// <summary>LoRA products B·A averaged (weighted), then factored back to rank r by a truncated SVD.</summary>
    Exact,

    /// <summary>Coordinate-wise mean after dropping the largest and smallest values; unweighted.</summary>
    TrimmedMean,

    /// <summary>Coordinate-wise median; unweighted.</summary>
    Median,
}
