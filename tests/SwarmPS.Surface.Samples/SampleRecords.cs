namespace SwarmPS.Surface.Samples;

/// <summary>An output type with a view in BrokenSamples/module/Samples.format.ps1xml.</summary>
public class SampleRecord
{
    public string Name { get; set; } = "";
}

/// <summary>Has no view of its own; its base class's view covers it, as in PowerShell.</summary>
public sealed class SampleSubRecord : SampleRecord
{
}

/// <summary>PLANTED: an output type no listed format file has a view for.</summary>
public sealed class OrphanRecord
{
    public string Name { get; set; } = "";
}
