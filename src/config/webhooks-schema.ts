import { z } from 'zod';
import { parseDuration } from '../core/index.js';
import { duration, int } from './values.js';

/**
 * Webhook delivery (docs/api.md#webhooks): how events from the outbox are
 * POSTed to the endpoints operators add with `baton webhook add` or the API.
 * The endpoints themselves live in the store, not here, so they can be
 * changed without a restart.
 */
export const webhooksSchema = z.strictObject({
  /**
   * An endpoint failing without a single success for this long is disabled
   * (a `webhook-disabled` event). Three days outlasts a weekend's outage and
   * still leaves four days of the default `events.retention` (7d) to fix
   * the receiver and re-enable it with nothing lost.
   */
  disableAfter: duration('1s', '30d').default(parseDuration('3d')),
  retry: z
    .strictObject({
      /** Wait after the first failed POST; doubles with each failure after it (±20% jitter). */
      first: duration('100ms', '1h').default(parseDuration('5s')),
      /** Longest wait between two attempts. */
      max: duration('100ms', '1d').default(parseDuration('10m')),
    })
    .prefault({}),
  /** Most events in one POST; a receiver that keeps up gets them one or a few at a time. */
  batchSize: int(1, 1000).default(100),
  /** Longest a POST may take, connect to the end of the response. */
  timeout: duration('100ms', '5m').default(parseDuration('10s')),
  /** Longest the TCP (and TLS) connect may take. */
  connectTimeout: duration('100ms', '1m').default(parseDuration('5s')),
  /** Open connections to webhook receivers, all endpoints together. */
  maxConnections: int(1, 1000).default(16),
});

export type WebhooksConfig = z.output<typeof webhooksSchema>;
