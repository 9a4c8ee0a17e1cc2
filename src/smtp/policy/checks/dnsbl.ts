import { Replies } from '../../../core/index.js';
import type { Logger } from '../../../log/index.js';
import { Verdicts, type Check } from '../check.js';
import type { DnsblScorer } from '../dnsbl/dnsbl-score.js';

export interface DnsblDeps {
  readonly scorer: DnsblScorer;
  /** Config `dnsbl.threshold`. */
  readonly threshold: number;
  /** Config `dnsbl.timeout`: the scorer gives up on a list after it. */
  readonly timeoutMs: number;
  readonly logger: Logger;
}

/**
 * DNS lists at connect (postscreen's DNSBL test): a client whose summed
 * weights reach the threshold gets `554 5.7.1` naming the lists instead of the
 * greeting (RFC 5321 §3.1), and is disconnected.
 *
 * Why at connect and not at RCPT (Postfix's reject_rbl_client): a listed
 * client costs no session, no TLS handshake and no command parsing, which is
 * what a flood from a botnet needs; the log line below names the client and
 * the lists, which is what an operator looking into a complaint needs.
 *
 * Trusted networks and (on submission) clients that will authenticate are
 * never asked about: this check runs only for untrusted clients, and only on
 * the roles that list it (mx by default). A list that does not answer in time
 * counts as "not listed" (fail open: an outage of a list must not stop mail).
 */
export function dnsblCheck(deps: DnsblDeps): Check<'connect'> {
  return {
    name: 'dnsbl',
    stage: 'connect',
    onFailure: 'open',
    timeoutMs: deps.timeoutMs + 1000,
    run({ session }) {
      if (session.trusted || deps.scorer.empty) return Verdicts.continue;
      const client = session.clientIp;
      return deps.scorer.score(client).then((s) => {
        if (s.unanswered.length > 0) deps.logger.warn({ client, zones: s.unanswered }, 'dnsbl: lists did not answer; counted as not listed');
        if (s.score < deps.threshold) return Verdicts.continue;
        const lists = s.listedBy.map((site) => site.zone);
        deps.logger.info({ client, score: s.score, threshold: deps.threshold, listedBy: s.listedBy.map((x) => x.text), allowedBy: s.allowedBy.map((x) => x.text) }, 'dnsbl: client refused');
        // At most three in the reply: it must stay under 512 octets (RFC 5321 §4.5.3.1.5); the log has them all.
        return Verdicts.reject(Replies.dnsblListed(unmapped(client), [...new Set(lists)].slice(0, 3)));
      });
    },
  };
}

/** "::ffff:192.0.2.1" as the "192.0.2.1" the client knows itself by. */
function unmapped(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}
