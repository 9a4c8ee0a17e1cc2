import type { AuthConfig } from '../../config/index.js';
import { matchesDomain } from '../../core/index.js';
import type { AuthReport, DmarcPolicy } from './verify-message.js';

/**
 * What the receiver does with the results (config `auth`), as data: the
 * check turns it into a verdict. The Authentication-Results field is added
 * whatever the action, except on a reject (the message is not kept).
 */
export type AuthAction =
  | { readonly kind: 'accept'; readonly note?: string }
  | { readonly kind: 'reject'; readonly by: 'dmarc' | 'spf'; readonly reason: string }
  | { readonly kind: 'hold'; readonly reason: string };

/** The policy in force, for RFC 7489 §6.6.4's sampling: `random` gives a float in [0, 1). */
export function decideAuth(r: AuthReport, config: AuthConfig, random: () => number): AuthAction {
  const dmarc = r.dmarc;
  // RFC 7489 §10.1: rejecting on SPF alone, before DMARC had its say, loses
  // mail that passes through DKIM; so SPF fail rejects only without a DMARC pass.
  const spfFail = r.spf.result === 'fail' || r.helo?.result === 'fail';
  if (config.spf.rejectFail && spfFail && dmarc?.result !== 'pass') {
    const which = r.spf.result === 'fail' ? `smtp.mailfrom domain ${r.spf.domain}` : `smtp.helo ${r.helo?.domain ?? ''}`;
    return { kind: 'reject', by: 'spf', reason: `spf=fail for ${which}` };
  }
  // dmarc=temperror (a DNS failure, ours or theirs; verify-message.ts also
  // reports a fail that a temporary error may have caused as temperror):
  // RFC 7489 §6.6.2 lets the receiver defer, we accept with the header
  // instead. A 4xx for our resolver's trouble would hold up all mail from
  // p=reject domains for as long as it lasts, and a reject would bounce mail
  // for a problem that may be ours (DESIGN §4); the mailbox sees the result.
  if (!dmarc || dmarc.result !== 'fail') return { kind: 'accept' };

  // RFC 8617 §7.2.1 and RFC 7489 §6.7: a forwarder we trust saw it pass.
  const arc = r.arc;
  if (arc.result === 'pass' && arc.sealer && arc.sealerDmarc === 'pass' && matchesDomain(arc.sealer, config.arc.trustedSealers)) {
    return { kind: 'accept', note: `dmarc=fail for ${dmarc.domain} overridden: trusted ARC sealer ${arc.sealer} saw dmarc=pass` };
  }

  const policy = sampled(dmarc.policy, dmarc.pct, random);
  const reason = `dmarc=fail (p=${policy}) header.from=${dmarc.domain}`;
  if (policy === 'reject' && config.dmarc.honourReject) return { kind: 'reject', by: 'dmarc', reason };
  if (policy === 'none') return { kind: 'accept' };
  // p=quarantine, or p=reject when rejects are not honoured: quarantine.
  return config.dmarc.honourQuarantine === 'hold' ? { kind: 'hold', reason } : { kind: 'accept', note: reason };
}

/**
 * RFC 7489 §6.6.4: with pct below 100, the policy applies to that share of
 * failing mail; the rest gets the next policy down (reject → quarantine →
 * none).
 */
function sampled(policy: DmarcPolicy, pct: number, random: () => number): DmarcPolicy {
  if (pct >= 100 || random() * 100 < pct) return policy;
  return policy === 'reject' ? 'quarantine' : 'none';
}
