namespace SwarmPS.Engine.Training;

/// <summary>
/// The <c>adapter_config.json</c> of the Hugging Face PEFT layout, so a published snapshot loads with
/// <c>PeftModel.from_pretrained(base, dir)</c>: a LoRA adapter of the plan's rank and alpha on its target
/// modules, no dropout or bias, for inference. The base model is named by the plan's base snapshot file.
/// </summary>
public static class PeftAdapterConfig
{
    public const string FileName = "adapter_config.json";

    public static IReadOnlyDictionary<string, object?> For(TrainingPlan plan) => new Dictionary<string, object?>(StringComparer.Ordinal)
    {
        ["base_model_name_or_path"] = Path.GetFileName(plan.BaseSnapshotPath),
        ["bias"] = "none",
        ["inference_mode"] = true,
        ["lora_alpha"] = plan.Contract.Alpha,
        ["lora_dropout"] = 0.0,
        ["peft_type"] = "LORA",
        ["r"] = plan.Contract.Rank,
        ["target_modules"] = plan.Contract.TargetModules.ToList(),
        ["task_type"] = "CAUSAL_LM",
    };
}
