/** Where a domain wants its reports (RFC 8460 §3 `rua`): https (§5.2) or mailto (§5.3) URIs. */
export type ReportDestination = { readonly kind: 'https'; readonly uri: string } | { readonly kind: 'mailto'; readonly uri: string; readonly address: string };

export type RuaRecord = { readonly ok: true; readonly destinations: readonly ReportDestination[] } | { readonly ok: false; readonly reason: string };

/**
 * Parse the TXT records at `_smtp._tls.<domain>` (RFC 8460 §3): records not
 * starting with "v=TLSRPTv1;" are discarded; anything but exactly one left,
 * or one without a usable `rua`, means the domain does not take reports.
 * A record's strings are joined without spaces (RFC 7208 §3.3 style).
 */
export function parseTlsRptRecord(records: readonly (readonly string[])[]): RuaRecord {
  const ours = records.map((r) => r.join('')).filter((t) => /^v=TLSRPTv1\s*;/.test(t));
  if (ours.length !== 1) return { ok: false, reason: ours.length === 0 ? 'no v=TLSRPTv1 record' : `${ours.length} v=TLSRPTv1 records (RFC 8460 §3: exactly one)` };
  const fields = new Map<string, string>();
  for (const part of (ours[0] as string).split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  const rua = fields.get('rua');
  if (!rua) return { ok: false, reason: 'the record has no rua' };
  const destinations: ReportDestination[] = [];
  // URIs are comma-separated; a comma inside one is written %2C (§3).
  for (const raw of rua.split(',').map((s) => s.trim()).filter(Boolean)) {
    const d = destinationOf(raw);
    if (d) destinations.push(d);
  }
  if (destinations.length === 0) return { ok: false, reason: `no mailto: or https: URI in rua=${rua}` };
  return { ok: true, destinations };
}

function destinationOf(uri: string): ReportDestination | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  if (url.protocol === 'https:') return { kind: 'https', uri };
  if (url.protocol !== 'mailto:') return undefined;
  const address = decodeURIComponent(url.pathname);
  return /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(address) ? { kind: 'mailto', uri, address } : undefined;
}
