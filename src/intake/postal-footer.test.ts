import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runPython } from '../../test/helpers/clients.js';
import { postalFooter } from './postal-footer.js';

interface Part {
  readonly type: string;
  readonly charset: string | null;
  readonly cte: string;
  readonly disposition: string | null;
  readonly text?: string;
}

/** The message's leaf parts as Python's email package reads them. */
async function partsOf(message: Buffer): Promise<Part[]> {
  const r = await runPython('mime_texts.py', [], { input: message.toString('latin1') });
  assert.equal(r.code, 0, r.stderr);
  const parsed = JSON.parse(r.stdout) as { defects: string[]; parts: Part[] };
  assert.deepEqual(parsed.defects, []);
  return parsed.parts;
}

const crlf = (s: string) => Buffer.from(s.replace(/\r?\n/g, '\r\n'), 'latin1');
const ascii = postalFooter('Example Ltd\n1 Main Street\nSpringfield 12345');

test('a plain message gets the address under its text, and the header and the rest stay', async () => {
  const message = crlf('From: a@example.com\nSubject: hi\n\nHello.\n.a dotted line\nBye.\n');
  const out = await ascii(message);
  assert.ok(out.toString('latin1').startsWith('From: a@example.com\r\nSubject: hi\r\n'));
  assert.doesNotMatch(out.toString('latin1'), /(?<!\r)\n/, 'no bare LF');
  const [part] = await partsOf(out);
  assert.equal(part?.text, 'Hello.\r\n.a dotted line\r\nBye.\r\n\r\nExample Ltd\r\n1 Main Street\r\nSpringfield 12345\r\n'.replace(/\r\n/g, '\n'));
});

test('multipart/alternative: the base64 text and quoted-printable HTML parts both get it (HTML before </body>); an attachment does not', async () => {
  const message = crlf(
    [
      'From: a@example.com',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="outer"',
      '',
      '--outer',
      'Content-Type: multipart/alternative; boundary="alt"',
      '',
      '--alt',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('Grüße aus Köln\n').toString('base64'),
      '--alt',
      'Content-Type: text/html; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      '<html><body><p>Gr=C3=BC=C3=9Fe</p></body></html>',
      '--alt--',
      '--outer',
      'Content-Type: text/plain',
      'Content-Disposition: attachment; filename="notes.txt"',
      '',
      'attached notes',
      '--outer--',
      '',
    ].join('\n'),
  );
  const parts = await partsOf(await ascii(message));
  assert.equal(parts.length, 3);
  // Inside base64 the line ends are as written (CRLF for the footer, RFC 2045 §6.8's canonical form).
  assert.equal(parts[0]?.text, 'Grüße aus Köln\r\n\r\nExample Ltd\r\n1 Main Street\r\nSpringfield 12345\r\n');
  assert.equal(parts[0]?.cte, 'base64');
  assert.equal(parts[1]?.text, '<html><body><p>Grüße</p><p style="font-size:small;color:#666">Example Ltd<br>1 Main Street<br>Springfield 12345</p></body></html>\n');
  assert.equal(parts[2]?.disposition, 'attachment');
  assert.equal(parts[2]?.text, 'attached notes', 'as it was');
});

test('a non-ASCII address in an ISO-8859-1 part: the part becomes UTF-8 and both texts read right; 8-bit becomes quoted-printable', async () => {
  const footer = postalFooter('Beispiel GmbH, Königsplatz 1, München');
  const message = Buffer.concat([crlf('From: a@example.com\nMIME-Version: 1.0\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\n'), Buffer.from('Café\r\n', 'latin1')]);
  const out = await footer(message);
  assert.ok(!/[\x80-\xff]/.test(out.toString('latin1')), '7-bit on the wire');
  const [part] = await partsOf(out);
  assert.equal(part?.charset, 'utf-8');
  assert.equal(part?.cte, 'quoted-printable');
  assert.equal(part?.text, 'Café\n\nBeispiel GmbH, Königsplatz 1, München\n');
});

test('HTML is escaped in the footer; a forwarded message inside is left alone', async () => {
  const footer = postalFooter('A & B <Ltd>');
  const message = crlf(
    ['From: a@example.com', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"', '', '--b', 'Content-Type: text/html', '', '<p>hi</p>', '--b', 'Content-Type: message/rfc822', '', 'From: x@example.org', 'Subject: fwd', '', 'inner text', '--b--', ''].join('\n'),
  );
  const out = await footer(message);
  const [html, forwarded] = await partsOf(out);
  assert.equal(html?.text, '<p>hi</p><p style="font-size:small;color:#666">A &#38; B &#60;Ltd&#62;</p>\n');
  assert.equal(forwarded?.text, 'inner text', 'the forwarded message\'s text has no footer');
  assert.match(out.toString('latin1'), /Subject: fwd\r\n\r\ninner text\r\n--b--/);
  assert.doesNotMatch(out.toString('latin1'), /(?<!\r)\n/, 'no bare LF');
});
