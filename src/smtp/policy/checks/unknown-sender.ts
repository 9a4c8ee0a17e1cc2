import { Replies, type Mailbox } from '../../../core/index.js';
import type { DnsResolver } from '../../../dns/index.js';
import type { Logger } from '../../../log/index.js';
import { Verdicts, type Check, type Verdict } from '../check.js';

export interface UnknownSenderDeps {
  readonly resolver: DnsResolver;
  readonly logger: Logger;
}

/**
 * Refuse a MAIL FROM whose domain cannot receive replies (Postfix's
 * reject_unknown_sender_domain): bounces to it could never be delivered.
 *
 * - NXDOMAIN, or neither MX nor A/AAAA (RFC 5321 §5.1: with no MX, the domain's
 *   own address is the implicit MX) → `550 5.1.8` (RFC 3463 §3.2, bad sender's
 *   system address);
 * - a null MX (RFC 7505 §4.2: the domain declares it accepts no mail) →
 *   `550 5.7.27`;
 * - a DNS failure or timeout → `450 4.1.8`: the domain may well exist.
 *
 * The null sender `<>` (bounces, RFC 5321 §4.5.5), trusted networks and
 * authenticated clients are exempt.
 */
export function unknownSenderCheck(deps: UnknownSenderDeps): Check<'mail'> {
  return {
    name: 'unknown-sender',
    stage: 'mail',
    // The DNS failures it knows of are answered 450 below; what is left is our bug.
    onFailure: 'open',
    run({ session, sender }) {
      if (sender === null || session.trusted || session.user) return Verdicts.continue;
      return judge(sender, deps);
    },
  };
}

async function judge(sender: Mailbox, deps: UnknownSenderDeps): Promise<Verdict> {
  const domain = sender.domain.toLowerCase();
  // An address literal (user@[192.0.2.1]) names no domain to look up.
  if (domain.startsWith('[')) return Verdicts.continue;
  const mx = await deps.resolver.resolveMx(domain);
  if (mx.ok) {
    const isNull = mx.value.length === 1 && mx.value[0]?.exchange === '';
    return isNull ? refuse(deps, domain, 'null MX', Replies.senderNullMx()) : Verdicts.continue;
  }
  if (mx.error.kind === 'temporary') return defer(deps, domain, mx.error.code);
  if (mx.error.kind === 'nxdomain') return refuse(deps, domain, 'NXDOMAIN', Replies.senderDomainUnknown());
  const addresses = await deps.resolver.resolveAddresses(domain);
  if (addresses.ok && addresses.value.length > 0) return Verdicts.continue;
  if (!addresses.ok && addresses.error.kind === 'temporary') return defer(deps, domain, addresses.error.code);
  return refuse(deps, domain, 'no MX, A or AAAA', Replies.senderDomainUnknown());
}

function refuse(deps: UnknownSenderDeps, domain: string, why: string, reply: ReturnType<typeof Replies.senderDomainUnknown>): Verdict {
  deps.logger.info({ domain, why }, 'unknown-sender: refused');
  return Verdicts.reject(reply);
}

function defer(deps: UnknownSenderDeps, domain: string, code: string): Verdict {
  deps.logger.info({ domain, dns: code }, 'unknown-sender: lookup failed; try later');
  return Verdicts.defer(Replies.senderDomainTemporary());
}
