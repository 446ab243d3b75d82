using System.Collections;
using System.Management.Automation;

namespace SwarmPS.Cmdlets;

/// <summary>
/// Strips PowerShell's wrappers (PSObject, PSCustomObject) from a statepoint so the engine sees plain
/// hashtables, lists and primitives, and hashes exactly what the user typed.
/// </summary>
internal static class PowerShellValues
{
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
            case PSObject wrapped:
                return ToPlain(wrapped.BaseObject);
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
