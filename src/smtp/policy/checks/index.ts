import type { CheckName, Config, ListenerConfig } from '../../../config/index.js';
import type { Mailbox } from '../../../core/index.js';
import type { Logger } from '../../../log/index.js';
import type { AnyCheck } from '../check.js';
import { StageChecks } from '../check-runner.js';
import type { RelayDomains } from '../relay-access.js';
import { hopLimitCheck } from './hop-limit.js';
import { localRecipientsCheck } from './local-recipients.js';
import { mailAuthCheck, type MailAuthDeps } from './mail-auth.js';
import { messageFormatCheck } from './message-format.js';
import { relayAccessCheck } from './relay-access.js';
import { senderOwnershipCheck } from './sender-ownership.js';
import { unsubscribeMailtoCheck, type MailtoRecipients } from './unsubscribe-mailto.js';

export { formatProblem, formatReply, type FormatProblem } from './message-format.js';
export { MAX_HOPS } from './hop-limit.js';
export type { MailAuthDeps } from './mail-auth.js';
export type { MailtoRecipients } from './unsubscribe-mailto.js';

export interface BuiltInCheckDeps {
  readonly domains: RelayDomains;
  /** false → 550 5.1.1 for a recipient of a local domain. */
  readonly isKnownLocalRecipient: (rcpt: Mailbox) => boolean;
  readonly mailAuth: MailAuthDeps;
  /** unsubscribe+TOKEN@ addresses (RFC 8058 mailto); absent: no mailto domain. */
  readonly mailto?: MailtoRecipients;
}

/**
 * Every check Baton ships, by the name the config uses (`checks.<role>`).
 * A new check is a file here and a line in this table (and its name in the
 * config schema's CHECK_NAMES, which the compiler holds this table to).
 */
export function builtInChecks(deps: BuiltInCheckDeps): Readonly<Record<CheckName, AnyCheck>> {
  return {
    'sender-ownership': senderOwnershipCheck,
    'relay-access': relayAccessCheck(deps.domains),
    'local-recipients': localRecipientsCheck(deps.domains, deps.isKnownLocalRecipient),
    'message-format': messageFormatCheck,
    'hop-limit': hopLimitCheck,
    'mail-auth': mailAuthCheck(deps.mailAuth),
    'unsubscribe-mailto': unsubscribeMailtoCheck(deps.mailto),
  };
}

/**
 * The checks of each listener role, from config `checks` and the table above
 * (DESIGN §9: the registry is built from the config).
 */
export function checksByRole(
  config: Pick<Config, 'checks' | 'limits'>,
  available: Readonly<Record<CheckName, AnyCheck>>,
  logger: Logger,
): Readonly<Record<ListenerConfig['role'], StageChecks>> {
  const build = (names: readonly CheckName[]) => new StageChecks(names.map((n) => available[n]), { timeoutMs: config.limits.checkTimeout, logger });
  return { mx: build(config.checks.mx), submission: build(config.checks.submission), submissions: build(config.checks.submissions) };
}
