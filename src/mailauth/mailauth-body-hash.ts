import { createRequire } from 'node:module';

/**
 * mailauth's DKIM body canonicalization and hash (RFC 6376 §3.4.3-3.4.4,
 * §3.7): the part of DKIM signing where its code is used as it is. It is a
 * CommonJS module without types; this is its one import.
 */
interface BodyHasher {
  update(chunk: Buffer): void;
  digest(encoding: 'base64'): string;
}

const require = createRequire(import.meta.url);
const { dkimBody } = require('mailauth/lib/dkim/body/index.js') as {
  dkimBody: (canonicalization: string, hashAlgo: string) => BodyHasher;
};

/** bh= of a body given as consecutive parts, relaxed canonicalization, SHA-256. */
export function relaxedBodyHash(parts: readonly Buffer[]): string {
  const hasher = dkimBody('relaxed', 'sha256');
  for (const p of parts) if (p.length > 0) hasher.update(p);
  return hasher.digest('base64');
}
