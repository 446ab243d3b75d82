namespace SwarmPS.Engine.Training;

/// <summary>
/// The element types SwarmPS reads and writes in safetensors files, spelled as the format spells them
/// (<c>"F32"</c>, <c>"BF16"</c>, ...). The format knows more (F8 variants, U16, U32, U64, C64, sub-byte
/// floats); an adapter made by PEFT or the Python trainers uses only these, and a file with another is
/// refused by name (<c>SafetensorsUnknownDType</c>) rather than read as bytes of unknown meaning.
/// </summary>
public enum TensorDType
{
    BOOL,
    U8,
    I8,
    F16,
    BF16,
    I32,
    F32,
    F64,
    I64,
}
