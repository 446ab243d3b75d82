using System.Globalization;
using SwarmPS.Engine.Tests.Training;
using SwarmPS.Trainer;

namespace SwarmPS.Engine.Tests.Trainer;

/// <summary>
/// The contract's generator against an independent one written from the page in Python (unbounded ints
/// masked to 64 bits): the raw outputs and the parameters drawn from them, for seeds 0, 1 and a large one.
/// </summary>
public sealed class SplitMix64Tests
{
    private const string Reference = """
        import sys
        M = (1 << 64) - 1
        x = int(sys.argv[1]) & M
        out = []
        for _ in range(5):
            x = (x + 0x9E3779B97F4A7C15) & M
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
            out.append(z ^ (z >> 31))
        print(" ".join(str(v) for v in out))
        """;

    [Theory]
    [InlineData(0UL)]
    [InlineData(1UL)]
    [InlineData(9223372036854775807UL)]
    public void The_outputs_are_those_of_a_Python_SplitMix64_written_from_the_contract(ulong seed)
    {
        var expected = PythonScript.Run(Reference, seed.ToString(CultureInfo.InvariantCulture)).Trim().Split(' ').Select(s => ulong.Parse(s, CultureInfo.InvariantCulture));

        var random = new SplitMix64(seed);
        var actual = Enumerable.Range(0, 5).Select(_ => random.Next()).ToList();

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void The_first_outputs_for_seed_1_are_pinned_for_other_trainers()
    {
        var random = new SplitMix64(1);

        Assert.Equal(10451216379200822465UL, random.Next());
        Assert.Equal(13757245211066428519UL, random.Next());
        Assert.Equal(17911839290282890590UL, random.Next());
    }

    [Fact]
    public void A_parameter_is_the_uniform_scaled_to_the_bound_in_double_and_rounded_to_float_once()
    {
        var script = """
            import sys, struct
            M = (1 << 64) - 1
            x = 1
            out = []
            for _ in range(4):
                x = (x + 0x9E3779B97F4A7C15) & M
                z = x
                z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
                z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
                z = z ^ (z >> 31)
                u = (z >> 11) * 2.0 ** -53
                value = (2 * u - 1) * (1 / 96 ** 0.5)
                out.append(struct.unpack('<I', struct.pack('<f', value))[0])
            print(" ".join(str(v) for v in out))
            """;
        var expected = PythonScript.Run(script).Trim().Split(' ').Select(s => uint.Parse(s, CultureInfo.InvariantCulture));

        var random = new SplitMix64(1);
        var actual = Enumerable.Range(0, 4).Select(_ => BitConverter.SingleToUInt32Bits(random.NextParameter(1.0 / Math.Sqrt(96)))).ToList();

        Assert.Equal(expected, actual);
    }
}
