using System.Collections.ObjectModel;
using System.Reflection;
using System.Runtime.InteropServices;

namespace SwarmPS.Surface.Tests.Surface;

/// <summary>
/// Reads every cmdlet of a compiled assembly through <see cref="MetadataLoadContext"/>: attributes are
/// read as data (CustomAttributeData), so neither the assembly nor PowerShell is ever executed, and the
/// reading works on a machine without pwsh.
/// </summary>
public static class CmdletReader
{
    private const string CmdletAttribute = "System.Management.Automation.CmdletAttribute";
    private const string OutputTypeAttribute = "System.Management.Automation.OutputTypeAttribute";
    private const string ParameterAttribute = "System.Management.Automation.ParameterAttribute";

    /// <summary>
    /// Reads the cmdlets of <paramref name="assemblyPath"/>. <paramref name="searchPaths"/> are extra
    /// assemblies or folders the resolver may use (the PowerShellStandard reference assembly, the module's
    /// dependencies/); the running runtime's folder is always included.
    /// </summary>
    public static IReadOnlyList<CmdletSurface> Read(string assemblyPath, IEnumerable<string> searchPaths)
    {
        var candidates = new List<string> { assemblyPath };
        candidates.AddRange(Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll"));
        foreach (var path in searchPaths)
        {
            if (Directory.Exists(path))
            {
                candidates.AddRange(Directory.GetFiles(path, "*.dll"));
            }
            else if (File.Exists(path))
            {
                candidates.Add(path);
            }
            else
            {
                throw new FileNotFoundException($"Resolver path {path} does not exist; build the solution first (dotnet build).", path);
            }
        }

        using var context = new MetadataLoadContext(new PathAssemblyResolver(candidates));
        var assembly = context.LoadFromAssemblyPath(assemblyPath);
        return assembly.GetTypes()
            .Where(type => type is { IsPublic: true, IsAbstract: false, IsClass: true })
            .Select(type => (Type: type, Cmdlet: FindAttribute(type.GetCustomAttributesData(), CmdletAttribute)))
            .Where(found => found.Cmdlet is not null)
            .Select(found => ReadCmdlet(found.Type, found.Cmdlet!))
            .OrderBy(cmdlet => cmdlet.Name, StringComparer.Ordinal)
            .ToList();
    }

    private static CmdletSurface ReadCmdlet(Type type, CustomAttributeData cmdlet)
    {
        var verb = (string)cmdlet.ConstructorArguments[0].Value!;
        var noun = (string)cmdlet.ConstructorArguments[1].Value!;
        var outputTypes = type.GetCustomAttributesData()
            .Where(attribute => attribute.AttributeType.FullName == OutputTypeAttribute)
            .SelectMany(ReadOutputTypes)
            .ToList();
        return new CmdletSurface(
            verb,
            noun,
            type.Name,
            type.FullName!,
            NamedArgument(cmdlet, "SupportsShouldProcess") is true,
            NamedArgument(cmdlet, "DefaultParameterSetName") as string,
            outputTypes,
            ReadParameters(type));
    }

    /// <summary>OutputType takes `params Type[]` or `params string[]`; both arrive as a collection of typed arguments.</summary>
    private static IEnumerable<OutputTypeSurface> ReadOutputTypes(CustomAttributeData attribute)
    {
        foreach (var argument in attribute.ConstructorArguments)
        {
            var values = argument.Value is ReadOnlyCollection<CustomAttributeTypedArgument> array
                ? array.Select(element => element.Value)
                : new[] { argument.Value };
            foreach (var value in values)
            {
                switch (value)
                {
                    case Type outputType:
                        yield return new OutputTypeSurface(outputType.FullName ?? outputType.Name, BaseTypeNames(outputType));
                        break;
                    case string typeName:
                        yield return new OutputTypeSurface(typeName, Array.Empty<string>());
                        break;
                }
            }
        }
    }

    private static IReadOnlyList<string> BaseTypeNames(Type type)
    {
        var names = new List<string>();
        for (var current = type.BaseType; current is not null && current.FullName != "System.Object"; current = current.BaseType)
        {
            names.Add(current.FullName ?? current.Name);
        }

        return names;
    }

    private static IReadOnlyList<ParameterSurface> ReadParameters(Type type)
    {
        // Properties and fields, including those a base class (SwarmCmdlet) declares.
        var members = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Cast<MemberInfo>()
            .Concat(type.GetFields(BindingFlags.Public | BindingFlags.Instance));
        var parameters = new List<ParameterSurface>();
        foreach (var member in members)
        {
            var memberships = member.GetCustomAttributesData()
                .Where(attribute => attribute.AttributeType.FullName == ParameterAttribute)
                .Select(attribute => new ParameterSetMembership(
                    NamedArgument(attribute, "ParameterSetName") as string ?? ParameterSetMembership.AllSets,
                    NamedArgument(attribute, "Mandatory") is true))
                .ToList();
            if (memberships.Count == 0)
            {
                continue;
            }

            var memberType = member is PropertyInfo property ? property.PropertyType : ((FieldInfo)member).FieldType;
            parameters.Add(new ParameterSurface(member.Name, memberType.FullName ?? memberType.Name, memberships));
        }

        return parameters;
    }

    private static CustomAttributeData? FindAttribute(IEnumerable<CustomAttributeData> attributes, string fullName) =>
        attributes.FirstOrDefault(attribute => attribute.AttributeType.FullName == fullName);

    private static object? NamedArgument(CustomAttributeData attribute, string name) =>
        attribute.NamedArguments.FirstOrDefault(argument => argument.MemberName == name).TypedValue.Value;
}
