namespace SwarmPS.Trainer;

/// <summary>What a job asks: train an adapter, evaluate a base (and an adapter) on held-out data, or write the base snapshot.</summary>
internal enum TrainerMode
{
    Train,
    Evaluate,
    Base,
}
