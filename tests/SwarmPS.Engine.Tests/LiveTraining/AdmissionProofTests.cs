using SwarmPS.Engine.LiveTraining;

namespace SwarmPS.Engine.Tests.LiveTraining;

/// <summary>
/// The admission proof a contributor sends in its join: it verifies only for the token, run, contributor and
/// plan it was made for, any other text in the proof slot (an agent of the run wrote it) is false without an
/// exception, and the token itself never appears in it.
/// </summary>
public sealed class AdmissionProofTests
{
    private const string Token = "s3cret-admission-token";
    private const string Run = "ft-run-1";
    private const string Contributor = "c1";
    private static readonly string Plan = "sha256:" + new string('a', 64);

    [Fact]
    public void The_proof_verifies_for_the_token_run_contributor_and_plan_it_was_made_for()
    {
        var proof = AdmissionProof.Compute(Token, Run, Contributor, Plan);

        Assert.True(AdmissionProof.Verify(Token, Run, Contributor, Plan, proof));
        Assert.Matches("^hmac-sha256:[0-9a-f]{64}$", proof);
        Assert.Equal(proof, AdmissionProof.Compute(Token, Run, Contributor, Plan));
    }

    [Theory]
    [InlineData("token")]
    [InlineData("run")]
    [InlineData("contributor")]
    [InlineData("plan")]
    public void A_proof_made_with_any_one_part_changed_does_not_verify(string changed)
    {
        var proof = AdmissionProof.Compute(
            changed == "token" ? Token + "x" : Token,
            changed == "run" ? "ft-run-2" : Run,
            changed == "contributor" ? "c2" : Contributor,
            changed == "plan" ? "sha256:" + new string('b', 64) : Plan);

        Assert.False(AdmissionProof.Verify(Token, Run, Contributor, Plan, proof));
    }

    public static TheoryData<string?> Malformed()
    {
        var good = AdmissionProof.Compute(Token, Run, Contributor, Plan);
        var hex = good["hmac-sha256:".Length..];
        return new TheoryData<string?>
        {
            null,
            "",
            "hmac-sha256:",
            good[..^1],
            good + "0",
            "hmac-sha512:" + hex,
            "sha256:" + hex + "ABCDE",
            "hmac-sha256:" + new string('z', 64),
            "hmac-sha256:" + hex.ToUpperInvariant(),
            "hmac-sha256:" + hex[..^1] + "é",
            "hmac-sha256:" + hex[..^2] + "\uD83D\uDE00",
            "hmac-sha256:" + hex[..^1] + "\0",
            Token,
        };
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Any_other_text_in_the_proof_slot_is_false_without_throwing(string? proof) =>
        Assert.False(AdmissionProof.Verify(Token, Run, Contributor, Plan, proof));

    [Fact]
    public void The_proof_never_holds_the_token_in_any_spelling()
    {
        // A token that is itself hex would be the easiest to leak unnoticed.
        var token = "0123456789abcdef0123";
        var proof = AdmissionProof.Compute(token, Run, Contributor, Plan);

        Assert.DoesNotContain(token, proof, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Convert.ToHexString(System.Text.Encoding.UTF8.GetBytes(token)), proof, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Token, AdmissionProof.Compute(Token, Run, Contributor, Plan), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void An_empty_token_still_makes_a_proof_that_only_an_empty_token_verifies()
    {
        var proof = AdmissionProof.Compute("", Run, Contributor, Plan);

        Assert.True(AdmissionProof.Verify("", Run, Contributor, Plan, proof));
        Assert.False(AdmissionProof.Verify(Token, Run, Contributor, Plan, proof));
    }
}
