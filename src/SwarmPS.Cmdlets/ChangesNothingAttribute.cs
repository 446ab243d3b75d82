namespace SwarmPS.Cmdlets;

/// <summary>
/// Declares that a cmdlet whose verb usually changes state (New) only builds objects in memory, the way
/// New-TimeSpan does, so -WhatIf would have nothing to skip. The module surface test accepts it in
/// place of SupportsShouldProcess for such verbs only; a Start, Stop, Send, Submit, Write or Remove
/// cmdlet always changes something and cannot claim it. The reason is for the reviewer.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ChangesNothingAttribute : Attribute
{
    public ChangesNothingAttribute(string reason)
    {
        Reason = reason;
    }

    public string Reason { get; }
}
