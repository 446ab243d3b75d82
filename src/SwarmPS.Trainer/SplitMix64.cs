namespace SwarmPS.Trainer;

/// <summary>
/// The contract's random numbers: SplitMix64 (Steele, Lea and Flood), chosen because every language can
/// write it in five lines with unsigned 64-bit wrap-around, so a trainer in any stack draws the same base
/// snapshot and the same initial adapter from a seed.
/// </summary>
internal sealed class SplitMix64
{
    private ulong _state;

    public SplitMix64(ulong seed) => _state = seed;

    public ulong Next()
    {
        unchecked
        {
            _state += 0x9E3779B97F4A7C15UL;
            var z = _state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }

    /// <summary>A uniform value in [0, 1): the top 53 bits, so every double it returns is exact.</summary>
    public double NextUniform() => (Next() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A parameter uniform in [-bound, bound), computed in double and rounded to float32 once.</summary>
    public float NextParameter(double bound) => (float)(((2.0 * NextUniform()) - 1.0) * bound);

    /// <summary>Fills <paramref name="values"/> in order (row-major for a tensor).</summary>
    public void Fill(Span<float> values, double bound)
    {
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = NextParameter(bound);
        }
    }
}
