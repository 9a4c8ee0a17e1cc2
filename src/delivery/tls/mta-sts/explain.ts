import type { Clock } from '../../../core/index.js';
import type { RecordResolver } from '../../../dns/index.js';
import type { SiteHost } from '../../mx.js';
import type { TlsPolicy } from '../../tls-policy.js';
import type { PolicyExplanation } from '../host-tls.js';
import type { PolicyFetcher } from './policy-fetcher.js';
import { mxMatches, parseStsPolicy, type StsPolicy } from './sts-policy.js';
import { selectStsRecord } from './sts-record.js';
import type { StsPolicyStore } from './store/index.js';

export interface ExplainDeps {
  readonly resolver: RecordResolver;
  readonly store: StsPolicyStore;
  readonly fetch: PolicyFetcher;
  readonly clock: Clock;
  readonly defaultTls: TlsPolicy;
}

/**
 * `baton tls check`'s account of a domain's MTA-STS: the TXT record and the
 * policy looked up now (nothing is stored), the cached policy delivery uses,
 * and what each MX host gets under the policy that would apply.
 */
export async function explainMtaSts(domain: string, hosts: readonly SiteHost[], deps: ExplainDeps): Promise<PolicyExplanation> {
  const now = deps.clock.now();
  const txt = await deps.resolver.resolveTxt(`_mta-sts.${domain}`);
  const record = txt.ok ? selectStsRecord(txt.value) : { ok: false as const, reason: `DNS ${txt.error.kind} (${txt.error.code})` };
  let fetched: { policy?: StsPolicy; error?: string } | undefined;
  if (record.ok) {
    const got = await deps.fetch(domain);
    const parsed = got.ok ? parseStsPolicy(got.text) : undefined;
    fetched = got.ok ? (parsed?.ok ? { policy: parsed.policy } : { error: `invalid policy: ${parsed && !parsed.ok ? parsed.reason : ''}` }) : { error: got.reason };
  }
  const cached = await deps.store.get(domain).catch(() => undefined);
  const cachedLive = cached && cached.expiresAt > now ? cached : undefined;
  // What delivery would apply: a policy fetched now under the TXT id, else the unexpired cached one (RFC 8461 §5.1).
  const applies = fetched?.policy ?? cachedLive?.policy;
  const perHost = hosts.map((h) => ({ host: h.host, applies: hostVerdict(h.host, applies, deps.defaultTls) }));
  const parts = [
    record.ok ? `TXT id ${record.record.id}` : `no usable TXT record (${record.reason})`,
    applies ? `${applies.mode}, mx ${applies.mx.join(' ') || '(none)'}, max_age ${applies.maxAge}s` : 'no policy applies',
    cached ? `cached ${ago(now - cached.fetchedAt)} ago (id ${cached.id}, ${cached.expiresAt > now ? 'expires' : 'expired'} ${new Date(cached.expiresAt).toISOString()})` : 'not cached',
    ...(fetched?.error ? [`fetch failed: ${fetched.error}`] : fetched?.policy ? ['fetched now'] : []),
  ];
  return {
    source: 'mta-sts',
    found: applies !== undefined && applies.mode !== 'none',
    summary: parts.join('; '),
    details: {
      txt: record.ok ? { id: record.record.id } : { error: record.reason },
      fetched: fetched ? { at: new Date(now).toISOString(), ...fetched } : null,
      cached: cached ? { id: cached.id, policy: cached.policy, fetchedAt: new Date(cached.fetchedAt).toISOString(), expiresAt: new Date(cached.expiresAt).toISOString() } : null,
      hosts: perHost,
    },
  };
}

function hostVerdict(host: string, p: StsPolicy | undefined, defaultTls: TlsPolicy): string {
  if (!p || p.mode === 'none') return `no MTA-STS policy: delivery.tls (${defaultTls})`;
  const matched = mxMatches(host, p.mx);
  if (p.mode === 'enforce') return matched ? 'required-verify (MX matches the policy; certificate must name the MX host)' : 'refused: not in the policy, mail is deferred';
  return `${defaultTls}; testing reports ${matched ? 'certificate problems' : 'that the MX matches no pattern'}`;
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}
