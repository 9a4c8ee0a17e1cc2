/**
 * The MTA-STS policy file (RFC 8461 §3.2), served at
 * https://mta-sts.<domain>/.well-known/mta-sts.txt:
 *
 *   version: STSv1
 *   mode: enforce
 *   mx: mail.example.com
 *   mx: *.example.net
 *   max_age: 604800
 *
 * Lines are "key: value" separated by CRLF or LF; unknown keys are ignored.
 */

export type StsMode = 'enforce' | 'testing' | 'none';

export interface StsPolicy {
  readonly mode: StsMode;
  /** MX host patterns (§4.1): a name, or "*." and a name for exactly one more label. */
  readonly mx: readonly string[];
  /** Seconds the policy may be cached (§3.2: at most 31557600). */
  readonly maxAge: number;
}

export type StsPolicyResult = { readonly ok: true; readonly policy: StsPolicy } | { readonly ok: false; readonly reason: string };

/** §3.2: "max_age ... maximum value of 31557600" (one year). */
export const MAX_AGE_LIMIT = 31_557_600;

const MX_PATTERN = /^(\*\.)?(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+\.?$/i;

export function parseStsPolicy(text: string): StsPolicyResult {
  const seen = new Map<string, string>();
  const mx: string[] = [];
  // §3.2: lines end in CRLF or LF; a final line without one is accepted too.
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/[ \t]+$/, '');
    if (line === '') continue;
    const m = /^([A-Za-z0-9_.-]{1,32}):[ \t]*(.*)$/.exec(line);
    if (!m) return { ok: false, reason: `malformed line "${clip(line)}"` };
    const key = m[1] as string;
    const value = m[2] as string;
    if (key === 'mx') {
      if (!MX_PATTERN.test(value)) return { ok: false, reason: `mx "${clip(value)}" is not a host name or *.pattern` };
      mx.push(value.toLowerCase().replace(/\.$/, ''));
      continue;
    }
    // Duplicate keys other than mx make the policy ambiguous: refuse it.
    if (seen.has(key) && (key === 'version' || key === 'mode' || key === 'max_age')) return { ok: false, reason: `"${key}" given twice` };
    seen.set(key, value);
  }
  if (seen.get('version') !== 'STSv1') return { ok: false, reason: 'version is not STSv1' };
  const mode = seen.get('mode');
  if (mode !== 'enforce' && mode !== 'testing' && mode !== 'none') return { ok: false, reason: `mode "${clip(mode ?? '')}" is not enforce, testing or none` };
  const ageText = seen.get('max_age') ?? '';
  // §3.2: max_age = 1*10DIGIT.
  if (!/^[0-9]{1,10}$/.test(ageText)) return { ok: false, reason: `max_age "${clip(ageText)}" is not a number of seconds` };
  const maxAge = Math.min(Number(ageText), MAX_AGE_LIMIT);
  // §3.2: "mx ... one or more"; with mode none no host is ever checked, so none are needed.
  if (mx.length === 0 && mode !== 'none') return { ok: false, reason: 'no mx lines' };
  return { ok: true, policy: { mode, mx, maxAge } };
}

/** §4.1: does MX host `host` match one of the policy's patterns? */
export function mxMatches(host: string, patterns: readonly string[]): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return patterns.some((p) => mxMatchesPattern(name, p));
}

/**
 * §4.1: "a wildcard ... matches only the left-most label": "*.example.com"
 * matches "mx1.example.com" but neither "example.com" nor "a.b.example.com".
 */
function mxMatchesPattern(name: string, pattern: string): boolean {
  if (!pattern.startsWith('*.')) return name === pattern;
  const dot = name.indexOf('.');
  return dot > 0 && name.slice(dot + 1) === pattern.slice(2);
}

/** The policy as RFC 8460 §4.3 `policy-string` lines. */
export function policyStrings(p: StsPolicy): string[] {
  return ['version: STSv1', `mode: ${p.mode}`, ...p.mx.map((m) => `mx: ${m}`), `max_age: ${p.maxAge}`];
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 60)}...` : s;
}
