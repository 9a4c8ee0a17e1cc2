import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckName } from '../../src/config/index.js';
import { type QueueId } from '../../src/core/index.js';
import type { AcceptedEvent, BatonEvent, RejectedEvent, StoredEvent } from '../../src/events/index.js';
import type { Intake, Submission } from '../../src/intake/index.js';
import { silentLogger } from '../../src/log/index.js';
import { emptyCounts, type UserCounts } from '../../src/quotas/index.js';
import { hopLimitCheck } from '../../src/smtp/policy/checks/hop-limit.js';
import { messageFormatCheck } from '../../src/smtp/policy/checks/message-format.js';
import { senderOwnershipCheck } from '../../src/smtp/policy/checks/sender-ownership.js';
import { recipientQuotaCheck, sendingQuotaCheck } from '../../src/smtp/policy/checks/sending-quota.js';
import { suppressionCheck } from '../../src/smtp/policy/checks/suppression.js';
import type { AnyCheck } from '../../src/smtp/policy/check.js';
import { Idempotency, openSqliteIdempotencyStore, type IdempotencyStore } from '../../src/api/idempotency/index.js';
import { ApiChecks, apiListener, type ApiKeySettings } from '../../src/api/send/api-checks.js';
import { ApiSender } from '../../src/api/send/api-sender.js';
import type { ApiCaller } from '../../src/api/route.js';
import type { SuppressionEntry } from '../../src/suppression/index.js';
import { fakeClock } from './defence-deps.js';

export interface SendKitOptions {
  readonly settings?: ApiKeySettings;
  readonly suppressed?: readonly string[];
  /** Counts the quota checks see for "api:shop". */
  readonly counts?: Partial<UserCounts>;
  /** What intake.submit does: resolve (default) or throw this. */
  readonly submitError?: Error;
  /** Hold intake.submit until released (concurrency tests). */
  readonly gate?: Promise<void>;
  readonly store?: IdempotencyStore;
  readonly events?: StoredEvent[];
}

export const CALLER: ApiCaller = { keyId: 'k_1', name: 'shop', scopes: ['send'], domains: ['shop.example'] };
const T0 = Date.UTC(2026, 10, 30, 12, 30);

/**
 * An ApiSender over the real checks (sender-ownership, suppression, quotas,
 * message-format, hop-limit, containment) with in-memory stand-ins for the
 * suppression list, counters and intake, and a real SQLite idempotency store.
 */
export function sendKit(o: SendKitOptions = {}) {
  const clock = fakeClock(T0);
  const submitted: Submission[] = [];
  const rejected: RejectedEvent[] = [];
  const events: StoredEvent[] = o.events ?? [];
  const suppressed = new Set(o.suppressed ?? []);
  const counts = { ...emptyCounts(T0), ...o.counts };
  const quotas = { counters: { get: () => counts }, clock, record: () => undefined };
  const available = {
    'sender-ownership': senderOwnershipCheck,
    suppression: suppressionCheck(
      { matching: async (addrs: readonly string[]) => new Map(addrs.filter((a) => suppressed.has(a)).map((a) => [a, { address: a, reason: 'hard-bounce', createdAt: 0 } as SuppressionEntry])) },
      () => clock.now(),
    ),
    'sending-quota': sendingQuotaCheck(quotas),
    'recipient-quota': recipientQuotaCheck(quotas),
    'message-format': messageFormatCheck,
    'hop-limit': hopLimitCheck,
  } as unknown as Record<CheckName, AnyCheck>;
  const names: CheckName[] = ['sender-ownership', 'message-format', 'hop-limit', 'suppression', 'sending-quota', 'recipient-quota', 'containment'];
  const keys = { settingsFor: (name: string) => (name === 'shop' ? o.settings : undefined) };
  const intake: Intake = {
    async submit(sub) {
      await o.gate;
      if (o.submitError) throw o.submitError;
      submitted.push(sub);
      const id = sub.queueId as QueueId;
      const accepted: AcceptedEvent = { type: 'accepted', queueId: id, at: clock.now(), sender: '', recipients: sub.recipients.map((r) => `${r.address.local}@${r.address.domain}`), size: sub.content.length, origin: sub.origin };
      events.push({ id: events.length + 1, event: accepted } as unknown as StoredEvent);
      return id;
    },
  };
  const store = o.store ?? openSqliteIdempotencyStore({ path: join(mkdtempSync(join(tmpdir(), 'baton-api-send-')), 'i.db') });
  const eventStore = { eventsFor: async (q: string) => events.filter((s) => (s.event as BatonEvent & { queueId?: string }).queueId === q) };
  const sender = new ApiSender({
    intake,
    checks: new ApiChecks(names, available, keys, { timeoutMs: 1000, logger: silentLogger() }),
    keys,
    idempotency: new Idempotency({ store, events: eventStore, clock, logger: silentLogger() }),
    quotas: { counters: quotas.counters },
    clock,
    listener: apiListener('127.0.0.1:8025'),
    limits: { messageSize: 1_000_000, lineLength: 2048, recipientsPerMessage: 50 },
    onRejected: (e) => rejected.push(e),
    logger: silentLogger(),
  });
  return { sender, submitted, rejected, events, store, clock };
}
