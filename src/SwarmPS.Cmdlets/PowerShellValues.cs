using System.Collections;
using System.Management.Automation;

namespace SwarmPS.Cmdlets;

/// <summary>
/// Strips PowerShell's wrappers (PSObject, PSCustomObject) from values bound to parameters, so the engine
/// sees plain .NET objects: the one place the cmdlets unwrap PowerShell values.
/// </summary>
internal static class PowerShellValues
{
    /// <summary>
    /// The object under a PSObject wrapper (what pipeline output and many variables carry), or the value
    /// itself; one layer, nested contents untouched. Task-set axes and keys need no more than that.
    /// </summary>
    public static object? Unwrap(object? value) => value is PSObject wrapped ? wrapped.BaseObject : value;

    /// <summary>
    /// The whole value made plain, all the way down: PSCustomObjects become dictionaries, dictionaries
    /// hashtables, lists lists. For a statepoint, so the engine hashes exactly what the user typed.
    /// </summary>
    public static object? ToPlain(object? value)
    {
        switch (value)
        {
            case null:
                return null;
            case PSObject { BaseObject: PSCustomObject } custom:
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var property in custom.Properties)
                {
                    map[property.Name] = ToPlain(property.Value);
                }

                return map;
            case PSObject:
                return ToPlain(Unwrap(value));
            case string:
                return value;
            case IDictionary dictionary:
                var plain = new Hashtable(dictionary.Count);
                foreach (DictionaryEntry entry in dictionary)
                {
                    plain[ToPlain(entry.Key)!] = ToPlain(entry.Value);
                }

                return plain;
            case IEnumerable items:
                return items.Cast<object?>().Select(ToPlain).ToList();
            default:
                return value;
        }
    }
}
