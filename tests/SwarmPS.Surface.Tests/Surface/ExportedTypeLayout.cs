using System.Reflection;
using System.Runtime.InteropServices;

namespace SwarmPS.Surface.Tests.Surface;

/// <summary>
/// The rule that keeps Import-Module working: PowerShell scans every exported type of the cmdlet assembly
/// (GetExportedTypes) before it calls OnImport, where the engine resolver is hooked. Loading a type needs
/// its base type, its interfaces and the layout of its fields, and a field's layout needs the field's type
/// when that type is a value type (an enum, a struct, a Nullable of one). So no exported type may reach an
/// isolated assembly (the engine) through any of those; reference-typed fields, properties' accessors,
/// method signatures and bodies are resolved later and are fine. The first build broke exactly here: an
/// engine enum on a cmdlet parameter (its auto-property's backing field).
/// </summary>
public static class ExportedTypeLayout
{
    /// <summary>
    /// Reads <paramref name="assemblyPath"/> as data and returns one sentence per exported type that needs
    /// <paramref name="isolatedAssembly"/> to be laid out, naming the member and the fix.
    /// </summary>
    public static IReadOnlyList<string> Violations(string assemblyPath, IEnumerable<string> searchPaths, string isolatedAssembly)
    {
        var candidates = new List<string> { assemblyPath };
        candidates.AddRange(Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll"));
        foreach (var path in searchPaths)
        {
            candidates.AddRange(Directory.Exists(path) ? Directory.GetFiles(path, "*.dll") : new[] { path });
        }

        using var context = new MetadataLoadContext(new PathAssemblyResolver(candidates));
        var assembly = context.LoadFromAssemblyPath(assemblyPath);
        var violations = new List<string>();
        foreach (var type in assembly.GetExportedTypes().OrderBy(type => type.FullName, StringComparer.Ordinal))
        {
            for (var baseType = type.BaseType; baseType is not null; baseType = baseType.BaseType)
            {
                if (Mentions(baseType, isolatedAssembly))
                {
                    violations.Add($"{type.FullName}: derives from {baseType.FullName}, from {isolatedAssembly}. Fix: derive from a type of this assembly or the BCL, and reach {isolatedAssembly} inside method bodies.");
                    break; // its own bases add nothing to the fix
                }
            }

            foreach (var contract in type.GetInterfaces().Where(contract => Mentions(contract, isolatedAssembly)))
            {
                violations.Add($"{type.FullName}: implements {contract.FullName}, from {isolatedAssembly}. Fix: implement it on an internal type the exported one creates in a method body.");
            }

            const BindingFlags everyField = BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
            foreach (var field in type.GetFields(everyField).Where(field => field.FieldType.IsValueType && Mentions(field.FieldType, isolatedAssembly)))
            {
                violations.Add($"{type.FullName}: field {field.Name} is of the value type {field.FieldType}, from {isolatedAssembly}; PowerShell cannot lay the type out before OnImport. Fix: use a string (with [ValidateSet]) or a type of this assembly, and convert inside the method body.");
            }
        }

        return violations;
    }

    /// <summary>Whether <paramref name="type"/>, its element type or any of its generic arguments comes from the assembly.</summary>
    private static bool Mentions(Type type, string assemblyName)
    {
        if (type.Assembly.GetName().Name == assemblyName)
        {
            return true;
        }

        if (type.HasElementType && Mentions(type.GetElementType()!, assemblyName))
        {
            return true;
        }

        return type.IsGenericType && type.GetGenericArguments().Any(argument => Mentions(argument, assemblyName));
    }
}
