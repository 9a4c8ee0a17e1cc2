import type { CheckName, Config } from '../../config/index.js';
import type { Clock } from '../../core/index.js';
import type { EventStore, RejectedEvent } from '../../events/index.js';
import type { Intake } from '../../intake/index.js';
import type { Logger } from '../../log/index.js';
import type { SendingCounters } from '../../quotas/index.js';
import type { AnyCheck } from '../../smtp/policy/check.js';
import { Idempotency, type IdempotencyStore } from '../idempotency/index.js';
import { ApiChecks, apiListener, type ApiKeySettingsSource } from './api-checks.js';
import { ApiSender } from './api-sender.js';

export { ApiSender, type OutgoingMessage, type SendRequest } from './api-sender.js';
export { ApiChecks, apiUserName, type ApiKeySettings, type ApiKeySettingsSource } from './api-checks.js';
export { composeMessage } from './compose.js';
export { apiKeySettings, usersAndApiKeys } from './key-settings.js';

export interface ApiSendDeps {
  /** The intake SMTP mail goes through (the one `main.ts` hands the SMTP server). */
  readonly intake: Intake;
  /** Every built-in check (`builtInChecks`): the submission role's are taken from it. */
  readonly checks: Readonly<Record<CheckName, AnyCheck>>;
  readonly idempotency: IdempotencyStore;
  readonly events: Pick<EventStore, 'eventsFor'>;
  readonly counters: Pick<SendingCounters, 'get'>;
  /** The API keys' settings (stream, limits, containment); until keys carry them, none. */
  readonly keys?: ApiKeySettingsSource;
  readonly onRejected: (event: RejectedEvent) => void;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** No settings for any key: no limits of their own, transactional, never contained. */
const NO_SETTINGS: ApiKeySettingsSource = { settingsFor: () => undefined };

/** Composition of sending over HTTP (DESIGN §2): the checks, the idempotency keys, the bridge to intake. */
export function buildApiSend(config: Pick<Config, 'checks' | 'limits' | 'quotas' | 'api'>, deps: ApiSendDeps): ApiSender {
  const keys = deps.keys ?? NO_SETTINGS;
  const checks = new ApiChecks(config.checks.submission, deps.checks, keys, { timeoutMs: config.limits.checkTimeout, logger: deps.logger });
  if (checks.skipped.length > 0) deps.logger.debug({ skipped: checks.skipped }, 'API sending: connection, greeting and login checks do not apply over HTTP');
  return new ApiSender({
    intake: deps.intake,
    checks,
    keys,
    idempotency: new Idempotency({ store: deps.idempotency, events: deps.events, clock: deps.clock, logger: deps.logger }),
    quotas: { counters: deps.counters, ...(config.quotas.default ? { defaults: config.quotas.default } : {}) },
    clock: deps.clock,
    listener: apiListener(config.api?.address ?? '127.0.0.1:8025'),
    limits: config.limits,
    onRejected: deps.onRejected,
    logger: deps.logger,
  });
}
