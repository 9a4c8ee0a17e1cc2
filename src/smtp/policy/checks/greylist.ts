import type { GreylistConfig } from '../../../config/index.js';
import { formatMailbox, Replies, type Clock } from '../../../core/index.js';
import { clientNetwork, decideGreylist, tripletKey, type GreylistStore } from '../../../greylist/index.js';
import type { Logger } from '../../../log/index.js';
import { Verdicts, type Check, type StageInputs, type Verdict } from '../check.js';
import type { DnsblScorer } from '../dnsbl/dnsbl-score.js';

export interface GreylistDeps {
  readonly config: GreylistConfig;
  readonly store: GreylistStore;
  readonly clock: Clock;
  /** The DNS lists (`dnsbl.sites`): a client whose summed weight is negative (DNSWL) is not greylisted. */
  readonly scorer: DnsblScorer;
  readonly logger: Logger;
}

/** Stale state is swept at most this often, in the background of a decision. */
const PRUNE_EVERY_MS = 3600_000;

/**
 * Greylisting at RCPT (decideGreylist says the rule): a new triplet gets
 * `451 4.7.1`; the client is let through once it retries after `delay` and
 * within `retryWindow`. Runs after the recipient checks, so a recipient that
 * is refused anyway never creates a triplet.
 *
 * Who skips it: trusted networks, authenticated clients, and clients on a DNS
 * allowlist (summed `dnsbl.sites` weight below zero). Clients with an SPF pass
 * are not skipped: SPF is evaluated on the whole message at the content stage
 * (mail-auth), after the RCPT this check answers, and a second SPF evaluation
 * at RCPT for every untrusted client would cost more DNS than the delay saves.
 */
export function greylistCheck(deps: GreylistDeps): Check<'rcpt'> {
  let lastPrune = deps.clock.now();
  return {
    name: 'greylist',
    stage: 'rcpt',
    // A broken store must not turn into refusing all mail for good, nor into letting all spam in unseen:
    // 451 4.3.0 is what greylisting would say anyway.
    onFailure: 'closed',
    run(input) {
      // Synchronous for our own clients: no promise on their path.
      if (input.session.trusted || input.session.user) return Verdicts.continue;
      return judge(input);
    },
  };

  async function judge({ session, sender, recipient }: StageInputs['rcpt']): Promise<Verdict> {
    if (!deps.scorer.empty && (await deps.scorer.score(session.clientIp)).score < 0) return Verdicts.continue;
    const network = clientNetwork(session.clientIp, deps.config.ipv4Prefix, deps.config.ipv6Prefix);
    const key = tripletKey(network, sender ? formatMailbox(sender) : '', formatMailbox(recipient.address));
    const now = deps.clock.now();
    const state = await deps.store.read(key, network);
    const decision = decideGreylist(now, deps.config, state);
    // With the state it was decided on: another node may have decided on the same triplet meanwhile (GreylistStore.write).
    if (decision.change) await deps.store.write(key, network, decision.change, state);
    pruneNowAndThen(now);
    if (decision.pass) {
      if (decision.why === 'retried') deps.logger.info({ client: session.clientIp, triplet: key }, 'greylist: passed after retry');
      return Verdicts.continue;
    }
    const retryAfter = new Date(decision.retryAfter).toISOString();
    deps.logger.info({ client: session.clientIp, triplet: key, why: decision.why, retryAfter }, 'greylist: deferred');
    return Verdicts.defer(Replies.greylisted());
  }

  /** Sweep stale state at most hourly, in the background: no client waits for it. */
  function pruneNowAndThen(now: number): void {
    if (now - lastPrune < PRUNE_EVERY_MS) return;
    lastPrune = now;
    deps.store
      .prune({ waitingBefore: now - deps.config.retryWindow, seenBefore: now - deps.config.allowlistFor, now })
      .catch((err: unknown) => deps.logger.warn({ err }, 'greylist: pruning stale state failed'));
  }
}
