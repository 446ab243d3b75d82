using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace SwarmPS.Surface.Tests.Surface;

/// <summary>
/// Which namespace of an assembly uses which, read from its metadata and IL (never by running it): a type
/// of namespace A uses namespace B when B's types appear in A's base types, interfaces, field, method,
/// property and local signatures, attributes, or any token in A's method bodies (a call, a field, a
/// `new`, a cast, a generic argument). The IL is what the compiler kept, so a stale or missing `using`
/// changes nothing, and a fully qualified name in a method body counts. Namespaces are grouped under
/// <c>root</c>: SwarmPS.Engine.Exchange.Internal counts as Exchange; the root namespace itself
/// (SwarmException) and compiler-generated top-level types belong to no group.
/// </summary>
public static class NamespaceGraph
{
    /// <summary>One-byte and two-byte (0xFE-prefixed) opcodes, by their value.</summary>
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(field => (OpCode)field.GetValue(null)!)
        .ToDictionary(code => code.Value);

    /// <summary>The edges: each group and the other groups it uses.</summary>
    public static IReadOnlyDictionary<string, IReadOnlySet<string>> Read(string assemblyPath, string root)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var reader = new Reader(metadata, pe, root);
        return reader.Edges();
    }

    private sealed class Reader(MetadataReader metadata, PEReader pe, string root)
    {
        private readonly Dictionary<string, HashSet<string>> _edges = new(StringComparer.Ordinal);

        public IReadOnlyDictionary<string, IReadOnlySet<string>> Edges()
        {
            foreach (var handle in metadata.TypeDefinitions)
            {
                if (GroupOf(handle) is { } group)
                {
                    _edges.TryAdd(group, new HashSet<string>(StringComparer.Ordinal));
                    foreach (var used in TypesUsedBy(handle))
                    {
                        if (GroupOf(used) is { } other && other != group)
                        {
                            _edges[group].Add(other);
                        }
                    }
                }
            }

            return _edges.ToDictionary(entry => entry.Key, entry => (IReadOnlySet<string>)entry.Value, StringComparer.Ordinal);
        }

        /// <summary>The group of a type: its namespace (a nested type's is its outermost declaring type's) under the root.</summary>
        private string? GroupOf(TypeDefinitionHandle handle)
        {
            var type = metadata.GetTypeDefinition(handle);
            while (type.IsNested)
            {
                type = metadata.GetTypeDefinition(type.GetDeclaringType());
            }

            var name = metadata.GetString(type.Namespace);
            var prefix = root + ".";
            if (!name.StartsWith(prefix, StringComparison.Ordinal))
            {
                return null;
            }

            var rest = name[prefix.Length..];
            var dot = rest.IndexOf('.');
            return dot < 0 ? rest : rest[..dot];
        }

        private IEnumerable<TypeDefinitionHandle> TypesUsedBy(TypeDefinitionHandle handle)
        {
            var used = new List<TypeDefinitionHandle>();
            var type = metadata.GetTypeDefinition(handle);
            Add(used, type.BaseType);
            foreach (var implementation in type.GetInterfaceImplementations())
            {
                Add(used, metadata.GetInterfaceImplementation(implementation).Interface);
            }

            AddAttributes(used, type.GetCustomAttributes());
            AddConstraints(used, type.GetGenericParameters());
            foreach (var fieldHandle in type.GetFields())
            {
                var field = metadata.GetFieldDefinition(fieldHandle);
                used.AddRange(field.DecodeSignature(Signatures.Instance, null));
                AddAttributes(used, field.GetCustomAttributes());
            }

            foreach (var propertyHandle in type.GetProperties())
            {
                var property = metadata.GetPropertyDefinition(propertyHandle);
                AddSignature(used, property.DecodeSignature(Signatures.Instance, null));
                AddAttributes(used, property.GetCustomAttributes());
            }

            foreach (var methodHandle in type.GetMethods())
            {
                var method = metadata.GetMethodDefinition(methodHandle);
                AddSignature(used, method.DecodeSignature(Signatures.Instance, null));
                AddAttributes(used, method.GetCustomAttributes());
                AddConstraints(used, method.GetGenericParameters());
                foreach (var parameter in method.GetParameters())
                {
                    AddAttributes(used, metadata.GetParameter(parameter).GetCustomAttributes());
                }

                if (method.RelativeVirtualAddress != 0)
                {
                    AddBody(used, pe.GetMethodBody(method.RelativeVirtualAddress));
                }
            }

            return used;
        }

        private void AddBody(List<TypeDefinitionHandle> used, MethodBodyBlock body)
        {
            if (!body.LocalSignature.IsNil)
            {
                used.AddRange(metadata.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(Signatures.Instance, null).SelectMany(local => local));
            }

            foreach (var region in body.ExceptionRegions)
            {
                Add(used, region.CatchType);
            }

            var il = body.GetILReader();
            while (il.RemainingBytes > 0)
            {
                var first = il.ReadByte();
                var code = OpCodesByValue[first == 0xFE ? unchecked((short)(0xFE00 | il.ReadByte())) : first];
                switch (code.OperandType)
                {
                    case OperandType.InlineField:
                    case OperandType.InlineMethod:
                    case OperandType.InlineTok:
                    case OperandType.InlineType:
                        Add(used, MetadataTokens.EntityHandle(il.ReadInt32()));
                        break;
                    case OperandType.InlineSwitch:
                        var targets = il.ReadInt32();
                        il.Offset += targets * 4;
                        break;
                    case OperandType.InlineI8:
                    case OperandType.InlineR:
                        il.Offset += 8;
                        break;
                    case OperandType.InlineBrTarget:
                    case OperandType.InlineI:
                    case OperandType.InlineSig:
                    case OperandType.InlineString:
                    case OperandType.ShortInlineR:
                        il.Offset += 4;
                        break;
                    case OperandType.InlineVar:
                        il.Offset += 2;
                        break;
                    case OperandType.ShortInlineBrTarget:
                    case OperandType.ShortInlineI:
                    case OperandType.ShortInlineVar:
                        il.Offset += 1;
                        break;
                }
            }
        }

        /// <summary>The types an entity names. References to other assemblies (TypeReference) are not this assembly's namespaces.</summary>
        private void Add(List<TypeDefinitionHandle> used, EntityHandle handle)
        {
            if (handle.IsNil)
            {
                return;
            }

            switch (handle.Kind)
            {
                case HandleKind.TypeDefinition:
                    used.Add((TypeDefinitionHandle)handle);
                    break;
                case HandleKind.TypeSpecification:
                    used.AddRange(metadata.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(Signatures.Instance, null));
                    break;
                case HandleKind.MethodDefinition:
                    used.Add(metadata.GetMethodDefinition((MethodDefinitionHandle)handle).GetDeclaringType());
                    break;
                case HandleKind.FieldDefinition:
                    used.Add(metadata.GetFieldDefinition((FieldDefinitionHandle)handle).GetDeclaringType());
                    break;
                case HandleKind.MemberReference:
                    // A member of a generic instance (List<Campaign>.Add) or of another assembly: its parent names the types.
                    Add(used, metadata.GetMemberReference((MemberReferenceHandle)handle).Parent);
                    break;
                case HandleKind.MethodSpecification:
                    var specification = metadata.GetMethodSpecification((MethodSpecificationHandle)handle);
                    Add(used, specification.Method);
                    used.AddRange(specification.DecodeSignature(Signatures.Instance, null).SelectMany(argument => argument));
                    break;
            }
        }

        private void AddSignature(List<TypeDefinitionHandle> used, MethodSignature<ImmutableArray<TypeDefinitionHandle>> signature)
        {
            used.AddRange(signature.ReturnType);
            used.AddRange(signature.ParameterTypes.SelectMany(parameter => parameter));
        }

        private void AddAttributes(List<TypeDefinitionHandle> used, CustomAttributeHandleCollection attributes)
        {
            foreach (var attribute in attributes)
            {
                Add(used, metadata.GetCustomAttribute(attribute).Constructor);
            }
        }

        private void AddConstraints(List<TypeDefinitionHandle> used, GenericParameterHandleCollection parameters)
        {
            foreach (var parameter in parameters)
            {
                foreach (var constraint in metadata.GetGenericParameter(parameter).GetConstraints())
                {
                    Add(used, metadata.GetGenericParameterConstraint(constraint).Type);
                }
            }
        }
    }

    /// <summary>Decodes a signature into the types of this assembly it names, generic arguments included.</summary>
    private sealed class Signatures : ISignatureTypeProvider<ImmutableArray<TypeDefinitionHandle>, object?>
    {
        public static readonly Signatures Instance = new();

        private static readonly ImmutableArray<TypeDefinitionHandle> None = ImmutableArray<TypeDefinitionHandle>.Empty;

        public ImmutableArray<TypeDefinitionHandle> GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => ImmutableArray.Create(handle);

        public ImmutableArray<TypeDefinitionHandle> GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => None;

        public ImmutableArray<TypeDefinitionHandle> GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

        public ImmutableArray<TypeDefinitionHandle> GetGenericInstantiation(ImmutableArray<TypeDefinitionHandle> genericType, ImmutableArray<ImmutableArray<TypeDefinitionHandle>> typeArguments) =>
            genericType.AddRange(typeArguments.SelectMany(argument => argument));

        public ImmutableArray<TypeDefinitionHandle> GetArrayType(ImmutableArray<TypeDefinitionHandle> elementType, ArrayShape shape) => elementType;

        public ImmutableArray<TypeDefinitionHandle> GetSZArrayType(ImmutableArray<TypeDefinitionHandle> elementType) => elementType;

        public ImmutableArray<TypeDefinitionHandle> GetByReferenceType(ImmutableArray<TypeDefinitionHandle> elementType) => elementType;

        public ImmutableArray<TypeDefinitionHandle> GetPointerType(ImmutableArray<TypeDefinitionHandle> elementType) => elementType;

        public ImmutableArray<TypeDefinitionHandle> GetPinnedType(ImmutableArray<TypeDefinitionHandle> elementType) => elementType;

        public ImmutableArray<TypeDefinitionHandle> GetModifiedType(ImmutableArray<TypeDefinitionHandle> modifier, ImmutableArray<TypeDefinitionHandle> unmodifiedType, bool isRequired) => unmodifiedType;

        public ImmutableArray<TypeDefinitionHandle> GetFunctionPointerType(MethodSignature<ImmutableArray<TypeDefinitionHandle>> signature) =>
            signature.ReturnType.AddRange(signature.ParameterTypes.SelectMany(parameter => parameter));

        public ImmutableArray<TypeDefinitionHandle> GetGenericMethodParameter(object? genericContext, int index) => None;

        public ImmutableArray<TypeDefinitionHandle> GetGenericTypeParameter(object? genericContext, int index) => None;

        public ImmutableArray<TypeDefinitionHandle> GetPrimitiveType(PrimitiveTypeCode typeCode) => None;
    }
}
