import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Joiner, Rewriter, Splitter, type MimeNode } from '@zone-eu/mailsplit';

/**
 * The sender's postal address under every text part of bulk mail (CAN-SPAM,
 * 15 U.S.C. §7704(a)(5)(A)(iii)), added at intake since it is per message.
 * nodemailer's mailsplit walks the MIME tree (RFC 2045, RFC 2046): each
 * text/plain and text/html part that is not an attachment is decoded from its
 * transfer encoding, gets the footer, and is encoded again (7bit and 8bit
 * parts become quoted-printable, RFC 2045 §6.7, so a non-ASCII address stays
 * 7-bit safe); every other byte of the message is passed through as it was.
 * Forwarded messages inside (message/rfc822) are left alone.
 */
export function postalFooter(address: string, onError: (err: unknown) => void = () => {}): (content: Buffer) => Promise<Buffer> {
  const lines = address.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  const text = `\r\n\r\n${lines.join('\r\n')}\r\n`;
  const html = `<p style="font-size:small;color:#666">${lines.map(escapeHtml).join('<br>')}</p>`;
  const ascii = /^[\x20-\x7e\r\n]*$/.test(text);
  // A message mailsplit cannot rewrite goes out without the footer (logged), never refused or deferred for our parser's sake.
  return (content) =>
    rewrite(content, { text, html, ascii }).catch((err: unknown) => {
      onError(err);
      return content;
    });
}

async function rewrite(content: Buffer, footer: Footer): Promise<Buffer> {
  const rewriter = new Rewriter((node: MimeNode) => {
    if (!isTextPart(node)) return false;
    // The part is re-encoded (quoted-printable for 7bit/8bit); mailsplit would put a new
    // Content-Transfer-Encoding on top of the header, above Received: keep it at the bottom.
    if (node.headers && !node.headers.hasHeader('Content-Transfer-Encoding')) node.headers.add('Content-Transfer-Encoding', '7bit', Number.MAX_SAFE_INTEGER);
    return true;
  });
  rewriter.on('node', ({ node, decoder, encoder }: { node: MimeNode; decoder: NodeJS.ReadWriteStream; encoder: NodeJS.ReadWriteStream }) => {
    const chunks: Buffer[] = [];
    decoder.on('data', (c: Buffer) => chunks.push(c));
    decoder.on('end', () => encoder.end(withFooter(node, Buffer.concat(chunks), footer)));
  });
  const out: Buffer[] = [];
  await pipeline(Readable.from([content]), new Splitter({ ignoreEmbedded: true }), rewriter, new Joiner(), async function* (joined: AsyncIterable<Buffer>) {
    for await (const chunk of joined) out.push(chunk);
  });
  // mailsplit ends a rewritten part with a bare LF when its encoding did not end in one
  // (base64's last line); Baton never stores bare line ends (RFC 5322 §2.3).
  return crlf(Buffer.concat(out));
}

/** RFC 2045 §5.2: a part without Content-Type is text/plain. */
const typeOf = (node: MimeNode): string => node.contentType || 'text/plain';

function isTextPart(node: MimeNode): boolean {
  return !node.multipart && node.disposition !== 'attachment' && (typeOf(node) === 'text/plain' || typeOf(node) === 'text/html');
}

interface Footer {
  readonly text: string;
  readonly html: string;
  /** The footer is plain ASCII: it fits any ASCII-compatible charset as it is. */
  readonly ascii: boolean;
}

/**
 * The decoded part with the footer: for HTML before the last </body>, else at
 * the end. A non-ASCII footer in a part of another charset turns the part into
 * UTF-8 (decoded with the WHATWG decoders Node has); a charset Node cannot
 * decode keeps the part as it is, without a footer, rather than garble it.
 */
function withFooter(node: MimeNode, body: Buffer, footer: Footer): Buffer {
  const isHtml = typeOf(node) === 'text/html';
  const add = isHtml ? footer.html : footer.text;
  const charset = (node.charset || 'us-ascii').toLowerCase();
  let decoded: string;
  if (footer.ascii || charset === 'utf-8' || charset === 'utf8') decoded = body.toString('latin1');
  else {
    try {
      decoded = new TextDecoder(charset).decode(body);
    } catch {
      return body;
    }
    node.setCharset('utf-8');
  }
  // latin1 round-trips every byte: an ASCII footer goes into any ASCII-compatible charset unchanged.
  const enc: BufferEncoding = footer.ascii || charset === 'utf-8' || charset === 'utf8' ? 'latin1' : 'utf8';
  const addBytes = enc === 'latin1' && !footer.ascii ? Buffer.from(add, 'utf8').toString('latin1') : add;
  if (!isHtml) return Buffer.from(decoded.replace(/(\r?\n)*$/, '') + addBytes, enc);
  const at = decoded.search(/<\/body\s*>(?![\s\S]*<\/body\s*>)/i);
  return Buffer.from(at < 0 ? decoded + addBytes : decoded.slice(0, at) + addBytes + decoded.slice(at), enc);
}

function crlf(message: Buffer): Buffer {
  const text = message.toString('latin1');
  return /(?<!\r)\n/.test(text) ? Buffer.from(text.replace(/(?<!\r)\n/g, '\r\n'), 'latin1') : message;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
