/**
 * One DNS list and what its answers mean, in Postfix postscreen's notation
 * (postconf(5) postscreen_dnsbl_sites): `zone[=filter][*weight]`, e.g.
 * `zen.example=127.0.0.[2..11]*3` or `list.dnswl.example=127.0.[0..255].[1..3]*-2`.
 *
 * A filter is four octet patterns; each is a number, or a bracketed list of
 * numbers and ranges separated by ";" (`[2;4..6]`). Without a filter any A
 * answer counts. A negative weight makes the zone an allowlist (DNSWL).
 */
export interface DnsblSite {
  /** The list's zone, lower case, no trailing dot. */
  readonly zone: string;
  /** Which answers count; undefined = any in 127.0.0.0/8 but the error codes 127.255.255.x (siteMatches). */
  readonly filter?: OctetFilter;
  /** Added to the client's score once when any answer of the zone matches (postscreen adds a site once). */
  readonly weight: number;
  /** The site as the operator wrote it, for logs. */
  readonly text: string;
}

/** Per octet, the inclusive ranges it may take. */
export type OctetFilter = readonly [OctetRanges, OctetRanges, OctetRanges, OctetRanges];
export type OctetRanges = readonly (readonly [number, number])[];

export type ParsedSite = { readonly ok: true; readonly site: DnsblSite } | { readonly ok: false; readonly error: string };

const ZONE = /^(?!-)[a-z0-9_-]{1,63}(?<!-)(\.(?!-)[a-z0-9_-]{1,63}(?<!-))+$/;
const NUMBER = /^(0|[1-9][0-9]{0,2})$/;

/** Parse `zone[=filter][*weight]`; a clear message says what is wrong otherwise. */
export function parseDnsblSite(text: string): ParsedSite {
  const trimmed = text.trim();
  const m = /^([^=*]+)(?:=([^*]+))?(?:\*(-?[0-9]+))?$/.exec(trimmed);
  if (!m) return fail(text, 'write it as zone[=filter][*weight], e.g. "zen.example=127.0.0.[2..11]*3"');
  const zone = (m[1] as string).toLowerCase().replace(/\.$/, '');
  if (!ZONE.test(zone)) return fail(text, `"${zone}" is not a DNS zone name`);
  const weight = m[3] === undefined ? 1 : Number(m[3]);
  if (!Number.isSafeInteger(weight) || weight === 0) return fail(text, 'the weight must be a non-zero integer');
  if (m[2] === undefined) return { ok: true, site: { zone, weight, text: trimmed } };
  const filter = parseFilter(m[2]);
  if (typeof filter === 'string') return fail(text, filter);
  return { ok: true, site: { zone, filter, weight, text: trimmed } };
}

/** "127.0.0.[2..11]" into four octet range lists, or why not. */
export function parseFilter(text: string): OctetFilter | string {
  const octets = splitOctets(text);
  if (octets.length !== 4) return `the filter "${text}" must have four octets, e.g. 127.0.0.[2..11]`;
  const out: OctetRanges[] = [];
  for (const o of octets) {
    const ranges = parseOctet(o);
    if (typeof ranges === 'string') return `in the filter "${text}": ${ranges}`;
    out.push(ranges);
  }
  return out as unknown as OctetFilter;
}

/** Split on the dots outside brackets ("127.0.[0..255].1" has dots inside its range). */
function splitOctets(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '[') depth++;
    else if (c === ']') depth--;
    else if (c === '.' && depth === 0) (parts.push(text.slice(start, i)), (start = i + 1));
  }
  parts.push(text.slice(start));
  return parts;
}

function parseOctet(o: string): OctetRanges | string {
  if (!o.startsWith('[')) {
    const n = octet(o);
    return n === undefined ? `"${o}" is not an octet (0-255)` : [[n, n]];
  }
  if (!o.endsWith(']') || o.length < 3) return `"${o}" is not a bracketed list like [2..11] or [2;4]`;
  const ranges: [number, number][] = [];
  for (const item of o.slice(1, -1).split(';')) {
    const [lo, hi, extra] = item.split('..');
    const a = octet(lo ?? '');
    const b = hi === undefined ? a : octet(hi);
    if (a === undefined || b === undefined || extra !== undefined || a > b) return `"${item}" is not an octet or a range n..m (0-255, n <= m)`;
    ranges.push([a, b]);
  }
  return ranges;
}

function octet(s: string): number | undefined {
  if (!NUMBER.test(s)) return undefined;
  const n = Number(s);
  return n <= 255 ? n : undefined;
}

/**
 * Whether an A answer of the zone counts under this site's filter. Without a
 * filter, any answer in 127.0.0.0/8 counts (RFC 5782 §2.3) except
 * 127.255.255.0/24, where lists put their error codes (Spamhaus answers
 * 127.255.255.254 to queries through a public resolver): counting those
 * would refuse every client. A filter that names them makes them count.
 */
export function siteMatches(site: DnsblSite, answer: string): boolean {
  const parts = answer.split('.');
  if (parts.length !== 4) return false;
  if (!site.filter) return parts[0] === '127' && !(parts[1] === '255' && parts[2] === '255');
  return site.filter.every((ranges, i) => {
    const n = Number(parts[i]);
    return ranges.some(([lo, hi]) => n >= lo && n <= hi);
  });
}

function fail(text: string, why: string): ParsedSite {
  return { ok: false, error: `DNS list site "${text}": ${why}` };
}
