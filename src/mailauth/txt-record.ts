/**
 * A TXT record's value as DNS carries it: character-strings of at most 255
 * octets each (RFC 1035 §3.3, §3.3.14), which a verifier joins back without
 * separators (RFC 6376 §3.6.2.2). Long DKIM keys (RSA-2048) need two. DKIM
 * values are ASCII, so a cut never falls inside a character.
 */
export function splitTxt(value: string, max = 255): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i += max) out.push(bytes.subarray(i, i + max).toString('utf8'));
  return out.length > 0 ? out : [''];
}

/** The strings as a zone file writes them (RFC 1035 §5.1): each quoted, `"` and `\` escaped, separated by a space. */
export function zoneFileStrings(strings: readonly string[]): string {
  return strings.map((s) => `"${s.replace(/["\\]/g, '\\$&')}"`).join(' ');
}
