import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

/**
 * The DKIM body hash, relaxed canonicalization, SHA-256 (RFC 6376 §3.4.4,
 * §3.7). mailauth's canonicalizer does it byte by byte in JavaScript; most
 * bodies are already canonical but for their trailing empty lines, and those
 * are hashed as they are with native scans (`canonicalEnd`). The rest goes to
 * mailauth's code as it is (a CommonJS module without types: its one import).
 */
interface BodyHasher {
  update(chunk: Buffer): void;
  digest(encoding: 'base64'): string;
}

const require = createRequire(import.meta.url);
const { dkimBody } = require('mailauth/lib/dkim/body/index.js') as {
  dkimBody: (canonicalization: string, hashAlgo: string) => BodyHasher;
};

const TAB = Buffer.from('\t');
const TWO_SPACES = Buffer.from('  ');
const SPACE_CRLF = Buffer.from(' \r\n');

/** bh= of a body given as consecutive parts, relaxed canonicalization, SHA-256. */
export function relaxedBodyHash(parts: readonly Buffer[]): string {
  const whole = parts.length === 1 ? (parts[0] as Buffer) : undefined;
  const end = whole ? canonicalEnd(whole) : undefined;
  if (whole && end !== undefined) return createHash('sha256').update(whole.subarray(0, end)).digest('base64');
  const hasher = dkimBody('relaxed', 'sha256');
  for (const p of parts) if (p.length > 0) hasher.update(p);
  return hasher.digest('base64');
}

/**
 * Where the relaxed form of `body` ends, when that form is `body` itself cut
 * short: no WSP run to squeeze or WSP before a line end (§3.4.4 a), every
 * line ending in CRLF, so only the empty lines at the end go (§3.4.4 b.1).
 * Undefined when anything else would change.
 */
export function canonicalEnd(body: Buffer): number | undefined {
  if (body.length === 0) return 0;
  if (body.indexOf(TAB) >= 0 || body.indexOf(TWO_SPACES) >= 0 || body.indexOf(SPACE_CRLF) >= 0) return undefined;
  // Every LF preceded by CR, every CR followed by LF, and a final CRLF (b.2 would add one).
  for (let lf = body.indexOf(0x0a); lf >= 0; lf = body.indexOf(0x0a, lf + 1)) if (body[lf - 1] !== 0x0d) return undefined;
  for (let cr = body.indexOf(0x0d); cr >= 0; cr = body.indexOf(0x0d, cr + 1)) if (body[cr + 1] !== 0x0a) return undefined;
  if (body[body.length - 2] !== 0x0d || body[body.length - 1] !== 0x0a) return undefined;
  // A space before a final CRLF with nothing after it was caught above; a line of
  // only spaces is "  " or " \r\n", caught too. Drop the empty lines at the end.
  let end = body.length;
  while (end >= 4 && body[end - 3] === 0x0a && body[end - 4] === 0x0d) end -= 2;
  if (end === 2) return 0; // only empty lines: the relaxed body is empty
  return end;
}
