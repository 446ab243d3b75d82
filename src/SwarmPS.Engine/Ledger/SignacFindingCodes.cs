namespace SwarmPS.Engine.Ledger;

/// <summary>The stable codes of Import-SwarmSignacProject's findings, which scripts filter on (docs/ledger.md).</summary>
public static class SignacFindingCodes
{
    /// <summary>A job directory whose name is not the signac id of its state point: not imported.</summary>
    public const string IdMismatch = "SignacIdMismatch";

    /// <summary>A workspace entry that is no readable job (not a directory, a link, a bad name, a bad state point): not imported.</summary>
    public const string JobInvalid = "SignacJobInvalid";

    /// <summary>A job document whose status is no run status, or that cannot be read: the run is imported as created.</summary>
    public const string StatusUnknown = "SignacStatusUnknown";

    /// <summary>A run already terminal here with another status than the job document's: left as it is.</summary>
    public const string StatusConflict = "SignacStatusConflict";

    /// <summary>A terminal run whose ledger entry could not be written: its status stands, Sync-SwarmLedger writes it later.</summary>
    public const string PromotionFailed = "SignacPromotionFailed";
}
