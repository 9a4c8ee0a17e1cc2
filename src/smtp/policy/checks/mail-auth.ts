import type { AuthConfig } from '../../../config/index.js';
import { formatMailbox, Replies, type HeaderEdits, type Random } from '../../../core/index.js';
import type { Logger } from '../../../log/index.js';
import {
  authResultsField,
  claimsAuthservId,
  decideAuth,
  verifyMessage,
  type AuthReport,
  type MailauthResolver,
} from '../../../mailauth/verify/index.js';
import { Verdicts, type Check, type Verdict } from '../check.js';

export interface MailAuthDeps {
  /** Our authserv-id in Authentication-Results (config `hostname`). */
  readonly hostname: string;
  readonly resolver: MailauthResolver;
  readonly config: AuthConfig;
  /** The longest a verification may take (`limits.checkTimeout`); past it every result is temperror. */
  readonly timeoutMs: number;
  readonly random: Random;
  readonly logger: Logger;
}

/** The runner's own bound comes this much after ours, so ours (which still writes the header) fires first. */
const RUNNER_GRACE_MS = 1000;

/**
 * Inbound authentication on `mx` (SPF, DKIM, ARC, DMARC: mailauth/verify/):
 * one Authentication-Results field naming `hostname` (RFC 8601), any field
 * that already claims that name removed first (RFC 8601 §5), and the actions
 * of config `auth`: reject (550), hold, or accept with the header.
 *
 * Trusted networks and authenticated clients are our own users: nothing is
 * checked or built for them (the relay benchmark's path).
 */
export function mailAuthCheck(deps: MailAuthDeps): Check<'content'> {
  const forged: Forged = [{ name: 'Authentication-Results', value: claimsAuthservId(deps.hostname) }];
  return {
    name: 'mail-auth',
    stage: 'content',
    // A failure of ours must not stop inbound mail; it is caught below anyway
    // (so forged results are still removed), this covers what is not.
    onFailure: 'open',
    timeoutMs: deps.timeoutMs + RUNNER_GRACE_MS,
    run({ session, sender, message }) {
      if (session.trusted || session.user) return Verdicts.continue;
      const client = session.clientIp;
      const input = { message, clientIp: client, helo: session.helo?.name ?? '', sender: sender ? formatMailbox(sender) : null };
      return withinTime(verifyMessage(input, { hostname: deps.hostname, resolver: deps.resolver }), deps.timeoutMs).then(
        (report) => (report ? verdict(report, deps, client, forged) : unfinished(`took longer than ${deps.timeoutMs} ms`, deps, client, forged)),
        (err: unknown) => unfinished(err instanceof Error ? err.message : String(err), deps, client, forged),
      );
    },
  };
}

type Forged = NonNullable<HeaderEdits['removeWhere']>;

function verdict(report: AuthReport, deps: MailAuthDeps, client: string, forged: Forged): Verdict {
  const field = authResultsField(deps.hostname, report.rows);
  const action = decideAuth(report, deps.config, () => deps.random.next());
  switch (action.kind) {
    case 'reject':
      deps.logger.info({ client, reason: action.reason }, 'mail-auth: rejected');
      return Verdicts.reject(action.by === 'dmarc' ? Replies.dmarcRejected() : Replies.spfFailed());
    case 'hold':
      return Verdicts.held(action.reason, [field], { removeWhere: forged });
    case 'accept':
      if (action.note) deps.logger.info({ client, note: action.note }, 'mail-auth: accepted');
      return Verdicts.headers([field], { removeWhere: forged });
  }
}

/**
 * Our own trouble (a bug, a verification past its time): every result is
 * temperror (RFC 8601 §2.7), the message is accepted, and forged results are
 * still removed.
 */
function unfinished(why: string, deps: MailAuthDeps, client: string, forged: Forged): Verdict {
  deps.logger.warn({ client, err: why }, 'mail-auth: verification did not finish; results are temperror');
  const rows = ['dkim', 'spf', 'dmarc'].map((m) => `${m}=temperror`);
  return Verdicts.headers([authResultsField(deps.hostname, rows)], { removeWhere: forged });
}

/** The value, or undefined if it takes longer than `ms`. */
function withinTime<T>(pending: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([pending, late]).finally(() => clearTimeout(timer));
}
