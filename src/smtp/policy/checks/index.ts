import type { CheckName, Config, ListenerConfig } from '../../../config/index.js';
import type { Clock, Mailbox } from '../../../core/index.js';
import type { Logger } from '../../../log/index.js';
import type { SuppressionStore } from '../../../suppression/index.js';
import type { AnyCheck } from '../check.js';
import { StageChecks } from '../check-runner.js';
import type { RelayDomains } from '../relay-access.js';
import { clamavCheck, type ClamavDeps } from './clamav.js';
import { dnsblCheck, type DnsblDeps } from './dnsbl.js';
import { greylistCheck, type GreylistDeps } from './greylist.js';
import { heloCheck, type HeloDeps } from './helo.js';
import { authFailuresCheck } from './auth-failures.js';
import type { DefenceDeps } from './defence-deps.js';
import { hopLimitCheck } from './hop-limit.js';
import { localRecipientsCheck } from './local-recipients.js';
import { mailAuthCheck, type MailAuthDeps } from './mail-auth.js';
import { messageFormatCheck } from './message-format.js';
import { pregreetCheck } from './pregreet.js';
import { connectionRateCheck, messageRateCheck, recipientRateCheck } from './rate-limits.js';
import { relayAccessCheck } from './relay-access.js';
import { reportAddressesCheck, type ReportAddressKind } from './report-addresses.js';
import { rspamdCheck, type RspamdDeps } from './rspamd.js';
import { milterCheck, type MilterDeps } from './milter.js';
import { senderOwnershipCheck } from './sender-ownership.js';
import { suppressionCheck } from './suppression.js';
import { recipientQuotaCheck, sendingQuotaCheck, type QuotaCheckDeps } from './sending-quota.js';
import { containmentCheck, type ContainmentCheckDeps } from './containment-hold.js';
import { unknownSenderCheck, type UnknownSenderDeps } from './unknown-sender.js';
import { unsubscribeMailtoCheck, type MailtoRecipients } from './unsubscribe-mailto.js';

export { formatProblem, formatReply, type FormatProblem } from './message-format.js';
export { MAX_HOPS } from './hop-limit.js';
export { describeSuppression } from './suppression.js';
export type { MailAuthDeps } from './mail-auth.js';
export type { ReportAddressKind } from './report-addresses.js';
export type { ClamavDeps } from './clamav.js';
export type { RspamdDeps } from './rspamd.js';
export type { MilterDeps } from './milter.js';
export type { QuotaCheckDeps } from './sending-quota.js';
export type { ContainmentCheckDeps } from './containment-hold.js';
export type { DnsblDeps, GreylistDeps, HeloDeps, UnknownSenderDeps };
export { timerSleep, type DefenceDeps } from './defence-deps.js';
export type { MailtoRecipients } from './unsubscribe-mailto.js';

export interface BuiltInCheckDeps {
  readonly domains: RelayDomains;
  /** false → 550 5.1.1 for a recipient of a local domain. */
  readonly isKnownLocalRecipient: (rcpt: Mailbox) => boolean;
  readonly mailAuth: MailAuthDeps;
  /** Our bounce and complaint addresses (`report-addresses`); absent: none. */
  readonly reportAddressKind?: (rcpt: Mailbox) => ReportAddressKind | undefined;
  /** The suppression list the `suppression` check reads, and the time its expiries are judged at. */
  readonly suppression: { readonly store: Pick<SuppressionStore, 'matching'>; readonly clock: Clock };
  /** Content scanners (config `scanners`); built always, run only where `checks.<role>` names them. */
  readonly scanners: { readonly rspamd: RspamdDeps; readonly clamav: ClamavDeps };
  readonly quotas: QuotaCheckDeps;
  readonly containment: ContainmentCheckDeps;
  readonly dnsbl: DnsblDeps;
  readonly helo: HeloDeps;
  readonly unknownSender: UnknownSenderDeps;
  readonly greylist: GreylistDeps;
  /** Rate limits, pregreet, failed logins. */
  readonly defences: DefenceDeps;
  /** unsubscribe+TOKEN@ addresses (RFC 8058 mailto); absent: no mailto domain. */
  readonly mailto?: MailtoRecipients;
  /** Milters (config `milters`); the check asks none when the list is empty. */
  readonly milters?: MilterDeps;
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
    'report-addresses': reportAddressesCheck(deps.reportAddressKind ?? (() => undefined)),
    suppression: suppressionCheck(deps.suppression.store, () => deps.suppression.clock.now()),
    rspamd: rspamdCheck(deps.scanners.rspamd),
    clamav: clamavCheck(deps.scanners.clamav),
    'sending-quota': sendingQuotaCheck(deps.quotas),
    'recipient-quota': recipientQuotaCheck(deps.quotas),
    containment: containmentCheck(deps.containment),
    dnsbl: dnsblCheck(deps.dnsbl),
    helo: heloCheck(deps.helo),
    'unknown-sender': unknownSenderCheck(deps.unknownSender),
    greylist: greylistCheck(deps.greylist),
    'connection-rate': connectionRateCheck(deps.defences),
    pregreet: pregreetCheck(deps.defences),
    'message-rate': messageRateCheck(deps.defences),
    'recipient-rate': recipientRateCheck(deps.defences),
    'auth-failures': authFailuresCheck(deps.defences),
    'unsubscribe-mailto': unsubscribeMailtoCheck(deps.mailto),
    milter: milterCheck(deps.milters),
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
