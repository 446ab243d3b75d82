using System.Globalization;
using System.Text;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// Copies HTTP/1.x requests from a client to the gateway's HttpListener with each request's Host header
/// set to a name the listener has a prefix for. HttpListener answers 404 to any other name, and on Linux
/// it cannot take a wildcard name without binding every interface; yet a request can rightly name another
/// host: through an SSH gateway tunnel (exchange_tunnel_gateway: the login node's name), a proxy, or an IP
/// or DNS alias. The name is no access control here (every route but health needs the bearer token), so
/// the front (<see cref="GatewayFront"/>) answers any name on its port. Requests are followed by their
/// framing (Content-Length or chunked), so every request of a kept-alive connection is rewritten; bytes
/// that do not parse as a request are passed on unchanged, for the listener to refuse as it would have.
/// </summary>
internal static class HostHeaderRewrite
{
    /// <summary>Largest request head read to rewrite; beyond it the bytes pass unchanged (the listener refuses them).</summary>
    public const int MaxHeadBytes = 32 * 1024;

    private static readonly byte[] EndOfHead = "\r\n\r\n"u8.ToArray();

    public static async Task CopyRequestsAsync(Stream client, Stream upstream, string host, CancellationToken cancellationToken)
    {
        var reader = new Reader(client);
        while (true)
        {
            var head = await reader.ReadHeadAsync(cancellationToken).ConfigureAwait(false);
            if (head is null)
            {
                // Not a request head we can follow (or the client's end of stream): the rest goes as it is.
                await reader.CopyRestAsync(upstream, cancellationToken).ConfigureAwait(false);
                return;
            }

            var (rewritten, framing, length) = Rewrite(head, host);
            if (framing == Framing.Length && reader.TakeBuffered(rewritten, length) is { } whole)
            {
                // Head and a body that already arrived go up in one write: one segment and one read for
                // the listener instead of two (a request of the exchange is a few hundred bytes).
                await upstream.WriteAsync(whole, cancellationToken).ConfigureAwait(false);
                continue;
            }

            await upstream.WriteAsync(rewritten, cancellationToken).ConfigureAwait(false);
            switch (framing)
            {
                case Framing.None:
                    break;
                case Framing.Length:
                    await reader.CopyExactlyAsync(upstream, length, cancellationToken).ConfigureAwait(false);
                    break;
                case Framing.Chunked:
                    await CopyChunkedAsync(reader, upstream, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    await reader.CopyRestAsync(upstream, cancellationToken).ConfigureAwait(false);
                    return;
            }
        }
    }

    private enum Framing
    {
        None,
        Length,
        Chunked,
        Unknown,
    }

    /// <summary>The head with its Host line replaced, and how its body is framed (RFC 9112 section 6).</summary>
    private static (byte[] Head, Framing Framing, long Length) Rewrite(byte[] head, string host)
    {
        var lines = Encoding.Latin1.GetString(head).Split("\r\n");
        var framing = Framing.None;
        long length = 0;
        for (var i = 1; i < lines.Length; i++)
        {
            var colon = lines[i].IndexOf(':');
            if (colon <= 0)
            {
                continue;
            }

            var name = lines[i][..colon].Trim();
            var value = lines[i][(colon + 1)..].Trim();
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                lines[i] = "Host: " + host;
            }
            else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                framing = value.EndsWith("chunked", StringComparison.OrdinalIgnoreCase) ? Framing.Chunked : Framing.Unknown;
            }
            else if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) && framing != Framing.Chunked)
            {
                var valid = long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed);
                framing = !valid || (framing == Framing.Length && parsed != length) ? Framing.Unknown : Framing.Length;
                length = parsed;
            }
        }

        return (Encoding.Latin1.GetBytes(string.Join("\r\n", lines)), framing, length);
    }

    /// <summary>Chunk-size lines, chunks and the trailer section, passed on as they come.</summary>
    private static async Task CopyChunkedAsync(Reader reader, Stream upstream, CancellationToken cancellationToken)
    {
        while (true)
        {
            var line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) ?? throw new IOException("The client ended inside a chunked body.");
            await upstream.WriteAsync(line, cancellationToken).ConfigureAwait(false);
            var text = Encoding.Latin1.GetString(line).Split(';')[0].Trim();
            if (!long.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size) || size < 0)
            {
                throw new IOException("A chunk size that does not parse: the connection is dropped.");
            }

            if (size > 0)
            {
                await reader.CopyExactlyAsync(upstream, size + 2, cancellationToken).ConfigureAwait(false);
                continue;
            }

            while (true)
            {
                var trailer = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) ?? throw new IOException("The client ended inside a chunked body.");
                await upstream.WriteAsync(trailer, cancellationToken).ConfigureAwait(false);
                if (trailer.Length == 2)
                {
                    return;
                }
            }
        }
    }

    /// <summary>A bounded read buffer over the client stream: heads and lines are found in it, bodies pass through it.</summary>
    private sealed class Reader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[MaxHeadBytes];
        private int _start;
        private int _end;
        private bool _ended;

        /// <summary>The next request head through its blank line; null at end of stream or when none fits the buffer.</summary>
        public async Task<byte[]?> ReadHeadAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                var found = _buffer.AsSpan(_start, _end - _start).IndexOf(EndOfHead);
                if (found >= 0)
                {
                    return Take(found + EndOfHead.Length);
                }

                if (!await FillAsync(cancellationToken).ConfigureAwait(false))
                {
                    return null;
                }
            }
        }

        /// <summary>One line with its CRLF (chunk sizes and trailers); null at end of stream or for a line too long.</summary>
        public async Task<byte[]?> ReadLineAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                var found = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8);
                if (found >= 0)
                {
                    return Take(found + 2);
                }

                if (!await FillAsync(cancellationToken).ConfigureAwait(false))
                {
                    return null;
                }
            }
        }

        public async Task CopyExactlyAsync(Stream upstream, long count, CancellationToken cancellationToken)
        {
            while (count > 0)
            {
                if (_start == _end && !await FillAsync(cancellationToken).ConfigureAwait(false))
                {
                    throw new IOException("The client ended inside a request body.");
                }

                var part = (int)Math.Min(count, _end - _start);
                await upstream.WriteAsync(_buffer.AsMemory(_start, part), cancellationToken).ConfigureAwait(false);
                _start += part;
                count -= part;
            }
        }

        public async Task CopyRestAsync(Stream upstream, CancellationToken cancellationToken)
        {
            await upstream.WriteAsync(_buffer.AsMemory(_start, _end - _start), cancellationToken).ConfigureAwait(false);
            _start = _end;
            if (!_ended)
            {
                await stream.CopyToAsync(upstream, cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary><paramref name="head"/> followed by the whole body of <paramref name="length"/> bytes when it is buffered already (taken); else null.</summary>
        public byte[]? TakeBuffered(byte[] head, long length)
        {
            if (length > _end - _start)
            {
                return null;
            }

            var whole = new byte[head.Length + length];
            head.CopyTo(whole, 0);
            _buffer.AsSpan(_start, (int)length).CopyTo(whole.AsSpan(head.Length));
            _start += (int)length;
            return whole;
        }

        private byte[] Take(int count)
        {
            var taken = _buffer.AsSpan(_start, count).ToArray();
            _start += count;
            return taken;
        }

        /// <summary>Reads more into the buffer (moving what is left to its front); false at end of stream or when it is full.</summary>
        private async Task<bool> FillAsync(CancellationToken cancellationToken)
        {
            if (_ended)
            {
                return false;
            }

            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            if (_end == _buffer.Length)
            {
                return false;
            }

            var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                _ended = true;
                return false;
            }

            _end += read;
            return true;
        }
    }
}
