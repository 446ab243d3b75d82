namespace SwarmPS.Engine.CodeSync;

/// <summary>
/// One entry of a code manifest. <see cref="Path"/> is relative to the tree's root, with forward slashes.
/// A symbolic link (inside the tree) has <see cref="LinkTarget"/> set; its size and hash are those of the
/// target text, since the link itself is what is shipped.
/// </summary>
public sealed record CodeFile(string Path, long Size, string Sha256, bool Executable, string? LinkTarget = null)
{
    public bool IsLink => LinkTarget is not null;

    /// <summary>The kind letter of the tree hash: <c>l</c> link, <c>x</c> executable file, <c>f</c> other file.</summary>
    public char Kind => IsLink ? 'l' : Executable ? 'x' : 'f';
}
