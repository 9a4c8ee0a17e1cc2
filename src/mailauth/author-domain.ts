import { domainToASCII } from 'node:url';

/**
 * The domain of the author (the From field, RFC 5322 §3.6.2), which is what
 * DMARC aligns a DKIM signature with (RFC 7489 §3.1.1). Undefined when the
 * field names no domain, or mailboxes of different domains: such mail is not
 * signed. `value` is the unfolded field value as latin1 (its raw bytes).
 */
export function authorDomain(value: string): string | undefined {
  // Raw bytes in: SMTPUTF8 mail (RFC 6532) may carry UTF-8 domains.
  const plain = withoutQuotesAndComments(Buffer.from(value, 'latin1').toString('utf8'));
  // With angle brackets the addresses are inside them; outside is display text (RFC 5322 §3.4).
  const specs = plain.includes('<') ? [...plain.matchAll(/<([^>]*)>/g)].map((m) => m[1] ?? '') : plain.split(/[,;:]/);
  const domains = new Set<string>();
  for (const spec of specs) {
    const at = spec.lastIndexOf('@');
    if (at < 0) continue;
    const domain = asciiDomain(spec.slice(at + 1));
    if (domain === undefined) return undefined;
    domains.add(domain);
  }
  return domains.size === 1 ? [...domains][0] : undefined;
}

function asciiDomain(text: string): string | undefined {
  const d = text.trim().replace(/\.$/, '').toLowerCase();
  // A domain literal ([192.0.2.1]) has no DNS to hold a key.
  if (d === '' || d.startsWith('[')) return undefined;
  const ascii = domainToASCII(d);
  return ascii === '' ? undefined : ascii;
}

/** Quoted strings and (nested) comments cut out, quoted-pairs honoured (RFC 5322 §3.2.1-3.2.4). */
function withoutQuotesAndComments(s: string): string {
  let out = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && (quoted || depth > 0)) {
      i++;
      continue;
    }
    if (quoted) {
      if (c === '"') quoted = false;
    } else if (c === '(') depth++;
    else if (c === ')' && depth > 0) depth--;
    else if (depth > 0) continue;
    else if (c === '"') quoted = true;
    else out += c;
  }
  return out;
}
