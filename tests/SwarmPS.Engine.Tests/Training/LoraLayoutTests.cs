using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.Tests.Training;

/// <summary>LoRA pairs, ranks and the tensors that do not pair, found from names and shapes.</summary>
public sealed class LoraLayoutTests
{
    [Fact]
    public void Peft_pairs_give_modules_with_rank_in_and_out()
    {
        var layout = LoraLayout.Find(new[]
        {
            Tensor("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", 8, 4096),
            Tensor("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight", 4096, 8),
            Tensor("base_model.model.model.layers.0.mlp.down_proj.lora_A", 8, 11008),
            Tensor("base_model.model.model.layers.0.mlp.down_proj.lora_B", 4096, 8),
            Tensor("base_model.model.lm_head.weight", 32000, 4096),
        });

        Assert.Equal(new[]
        {
            new LoraModule("base_model.model.model.layers.0.mlp.down_proj", 8, 11008, 4096, "base_model.model.model.layers.0.mlp.down_proj.lora_A", "base_model.model.model.layers.0.mlp.down_proj.lora_B"),
            new LoraModule("base_model.model.model.layers.0.self_attn.q_proj", 8, 4096, 4096, "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight"),
        }, layout.Modules);
        Assert.Empty(layout.Problems);
        Assert.Equal(8, layout.Rank);
    }

    [Fact]
    public void Unpaired_rank_mismatched_and_vector_factors_are_reported_and_left_out()
    {
        var layout = LoraLayout.Find(new[]
        {
            Tensor("a.lora_A.weight", 4, 16),
            Tensor("b.lora_B.weight", 16, 4),
            Tensor("c.lora_A.weight", 4, 16),
            Tensor("c.lora_B.weight", 16, 2),
            Tensor("d.lora_A.weight", 4),
            Tensor("d.lora_B.weight", 16, 4),
            Tensor("ok.lora_A.weight", 2, 16),
            Tensor("ok.lora_B.weight", 16, 2),
        });

        Assert.Equal(new[] { ("a", LoraProblemKind.Unpaired), ("b", LoraProblemKind.Unpaired), ("c", LoraProblemKind.RankMismatch), ("d", LoraProblemKind.NotMatrix) },
            layout.Problems.Select(p => (p.Module, p.Kind)));
        Assert.Contains("rank 4", layout.Problems[2].Detail);
        Assert.Contains("rank 2", layout.Problems[2].Detail);
        Assert.Equal("ok", Assert.Single(layout.Modules).Module);
        Assert.Equal(2, layout.Rank);
    }

    [Fact]
    public void Modules_of_different_ranks_have_no_common_rank()
    {
        var layout = LoraLayout.Find(new[]
        {
            Tensor("x.lora_A.weight", 4, 16), Tensor("x.lora_B.weight", 16, 4),
            Tensor("y.lora_A.weight", 8, 16), Tensor("y.lora_B.weight", 16, 8),
        });
        Assert.Null(layout.Rank);
        Assert.Equal(new long[] { 4, 8 }, layout.Modules.Select(m => m.Rank));
        Assert.Null(LoraLayout.Find(Array.Empty<TensorDescriptor>()).Rank);
    }

    private static TensorDescriptor Tensor(string name, params long[] shape) =>
        new(name, TensorDType.F32, shape, 0, shape.Aggregate(1L, (a, b) => a * b) * 4, 8);
}
