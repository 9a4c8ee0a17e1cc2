import { DeliveryReplies } from '../../core/index.js';
import type { DnsResolver, RecordResolver } from '../../dns/index.js';
import type { DeliveryJob } from '../job.js';
import type { Route } from '../route.js';
import { isRefusal, type HostDemand, type HostRefusal, type HostTls } from './host-tls.js';
import type { TlsPlan } from './tls-planner.js';

/**
 * REQUIRETLS (RFC 8689) on the outbound side: the TlsPlanner's plan for one
 * message, made stricter or looser by what the sender asked for. Kept apart
 * from the policy sources (DANE, MTA-STS): they describe the recipient
 * domain, this describes the message. Local delivery (Maildir, LMTP) is final
 * delivery and never comes here.
 */

type RemoteRoute = Extract<Route, { kind: 'mx' | 'smarthost' }>;

/** Whether the recipient domain's MX RRset was DNSSEC-validated (the AD bit from a trusted resolver, RFC 4035 §3.2.3). */
export type MxAuthenticity = (domain: string) => Promise<'authenticated' | 'unsigned' | 'no-mx' | 'unknown'>;

/** From the process's resolver; the MX answer is the one resolveSite just cached, so this costs no query. */
export function mxAuthenticityOf(resolver: DnsResolver): MxAuthenticity | undefined {
  if (!('lookup' in resolver)) return undefined;
  const records = resolver as RecordResolver;
  return async (domain) => {
    const got = await records.lookup(domain, 'MX');
    if (got.ok) return got.value.authenticated ? 'authenticated' : 'unsigned';
    return got.error.kind === 'temporary' ? 'unknown' : 'no-mx';
  };
}

/** The plan for this job's message: unchanged unless its envelope carries a REQUIRETLS tag. */
export async function applyRequireTls(job: DeliveryJob, route: RemoteRoute, plan: TlsPlan, mx: MxAuthenticity | undefined): Promise<TlsPlan> {
  const wanted = job.message.envelope.params.requireTls;
  if (wanted === undefined) return plan;
  if (wanted === false) return { hosts: plan.hosts.map(({ host, demand }) => ({ host, demand: relaxed(demand) })) };
  if (route.tls === 'none') {
    const refusal = impossible(`the route to ${job.domain} is configured without TLS (tls: none)`, job.domain);
    return { hosts: plan.hosts.map(({ host }) => ({ host, demand: refusal })) };
  }
  if (route.kind === 'smarthost') return { hosts: plan.hosts.map(({ host, demand }) => ({ host, demand: strict(demand) })) };
  // RFC 8689 §4.2.1 step 1: the MX host names must come from a DNSSEC-validated
  // MX lookup or be named by an MTA-STS policy (RFC 8461 §4.1). An implicit MX
  // (the domain's own address records, RFC 5321 §5.1) is the domain name itself.
  const state = mx ? await mx(job.domain) : 'unknown';
  return {
    hosts: plan.hosts.map(({ host, demand }) => {
      if (isRefusal(demand)) return { host, demand };
      const namedByPolicy = demand.policy.type === 'sts' && demand.policy.mode === 'enforce';
      if (state === 'authenticated' || state === 'no-mx' || namedByPolicy) return { host, demand: strict(demand) };
      const refusal: HostRefusal =
        state === 'unknown'
          ? { refused: true, temporary: true, scope: 'message', reply: DeliveryReplies.dnsTemporary(), reason: `REQUIRETLS: could not tell whether the MX records of ${job.domain} are DNSSEC-validated`, policy: demand.policy }
          : impossible(`the MX records of ${job.domain} are not DNSSEC-validated and no MTA-STS policy names ${host.host}`, job.domain, demand);
      return { host, demand: refusal };
    }),
  };
}

/**
 * RFC 8689 §4.2.1 step 3: the certificate verifies by DANE (a TLSA demand) or
 * by PKIX against the host name (`required-verify`); any weaker demand is
 * raised to required-verify for this message. Steps 3-4 (TLS, then REQUIRETLS
 * in the EHLO after it) are checked by the client (`requireTls`). The key keeps
 * these connections apart from ones made without those checks.
 */
function strict(demand: HostDemand): HostDemand {
  if (isRefusal(demand)) return demand;
  const dane = demand.policy.type === 'tlsa' && demand.tls !== 'opportunistic';
  const tls = dane ? demand.tls : 'required-verify';
  return { ...demand, tls, key: `requiretls:${tls}:${demand.key}`, requireTls: true };
}

/**
 * RFC 8689 §4.2.2 (`TLS-Required: No`): the recipient domain's policy (an
 * MTA-STS refusal or demand, DANE) no longer stops delivery; TLS is still
 * tried (opportunistic) and its result still reported (TLS-RPT). The
 * operator's own setting (a route's or `delivery.tls`) is not the recipient's
 * policy and stays.
 */
function relaxed(demand: HostDemand): HostDemand {
  if (demand.policy.type !== 'sts' && demand.policy.type !== 'tlsa') return demand;
  if (isRefusal(demand)) return { tls: 'opportunistic', key: 'tls-required-no:opportunistic', policy: demand.policy };
  const loose: HostTls = { ...demand, tls: 'opportunistic', key: `tls-required-no:${demand.key}` };
  return loose;
}

/** §4.2.1: no host can ever meet REQUIRETLS on this path: returned at once with 5.7.30 (§5 rules for the DSN). */
function impossible(why: string, domain: string, demand?: HostTls): HostRefusal {
  return {
    refused: true,
    temporary: false,
    scope: 'message',
    reply: DeliveryReplies.requireTlsImpossible(why),
    reason: `REQUIRETLS: ${why}`,
    policy: demand?.policy ?? { type: 'route', domain },
  };
}
