import type { Config } from '../config/index.js';
import type { Clock, Mailbox } from '../core/index.js';
import { loadBounceClassifier, type BounceClassifier } from '../delivery/index.js';
import type { EventBus, EventStore } from '../events/index.js';
import type { Intake } from '../intake/index.js';
import type { Logger } from '../log/index.js';
import type { MessageSummary } from '../queue/index.js';
import type { Suppressions } from '../suppression/index.js';
import { HardBounceFeeder } from './hard-bounce-feeder.js';
import { ReportAddresses, type ReportTarget } from './report-addresses.js';
import { ReportIntake } from './report-intake.js';
import { ReportProcessor } from './report-processor.js';
import { verpReturnPath } from './return-path.js';
import { VerpTokens } from './verp-token.js';

/** Everything bounces and complaints plug into, built from config for main.ts. */
export interface BounceParts {
  /** For delivery's events: `bounces.rules` before the shipped table. */
  readonly classifier: BounceClassifier;
  /** For delivery: the VERP return path per message; absent when VERP is off. */
  readonly returnPath?: (message: MessageSummary) => Mailbox | undefined;
  /** For the `report-addresses` check at RCPT. */
  kindOf(rcpt: Mailbox): ReportTarget['kind'] | undefined;
  /** The intake the SMTP sessions use: reports are processed, the rest queued by `inner`. */
  wrapIntake(inner: Intake): Intake;
  /** Hard bounces to suppressions; start with delivery. */
  readonly feeder: HardBounceFeeder;
}

export async function setUpBounces(
  config: Pick<Config, 'bounces' | 'complaints' | 'checks'>,
  deps: { readonly events: EventStore; readonly suppressions: Suppressions; readonly bus: EventBus; readonly clock: Clock; readonly logger: Logger },
): Promise<BounceParts> {
  const classifier = await loadBounceClassifier(config.bounces.rules);
  const tokens = config.bounces.domain !== undefined ? new VerpTokens(config.bounces.secrets) : undefined;
  const addresses = new ReportAddresses(config.bounces.domain, tokens, config.complaints.addresses);
  const processor = new ReportProcessor({
    events: deps.events,
    suppressions: deps.suppressions,
    classifier,
    tokens,
    bounceDomain: config.bounces.domain,
    bounceScope: config.bounces.suppressScope,
    complaintScope: config.complaints.suppressScope,
    clock: deps.clock,
    logger: deps.logger,
  });
  const returnPath = verpReturnPath(config.bounces, tokens);
  if (!addresses.empty && !config.checks.mx.includes('report-addresses')) {
    // Without the check the relay checks refuse every bounce and report (554 5.7.1): say so once, at start.
    deps.logger.warn({ checks: config.checks.mx }, 'bounces.domain or complaints.addresses is set, but checks.mx does not run report-addresses: bounces and complaints will be refused');
  }
  return {
    classifier,
    ...(returnPath ? { returnPath } : {}),
    kindOf: (rcpt) => addresses.target(rcpt)?.kind,
    wrapIntake: (inner) => (addresses.empty ? inner : new ReportIntake(inner, addresses, processor, deps.clock)),
    feeder: new HardBounceFeeder({ bus: deps.bus, events: deps.events, suppressions: deps.suppressions, scope: config.bounces.suppressScope, logger: deps.logger }),
  };
}
