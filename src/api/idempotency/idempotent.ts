import { createHash, randomBytes } from 'node:crypto';
import { newQueueId, type Clock, type QueueId } from '../../core/index.js';
import type { EventStore } from '../../events/index.js';
import type { Logger } from '../../log/index.js';
import { ApiProblem } from '../problem.js';
import type { ApiResult } from '../route.js';
import type { IdempotencyStore, StoredAnswer } from './idempotency-store.js';

/** Keys are kept a day (the draft's suggestion; Stripe's too), then pruned. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export interface IdempotencyDeps {
  readonly store: IdempotencyStore;
  /** Whether a queue id was committed (its `accepted` event). */
  readonly events: Pick<EventStore, 'eventsFor'>;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** One request under a key. */
export interface KeyedRequest {
  /** The API key's name. */
  readonly owner: string;
  /** The Idempotency-Key header as sent. */
  readonly header: string | string[] | undefined;
  /** What makes two requests the same: method, path, query and body (hashed in order). */
  readonly fingerprint: readonly (string | Buffer)[];
}

/**
 * Sends under the queue id given; calls `prepare` with its answer just before
 * the enqueue (after every check passed), so a crash after the enqueue still
 * leaves the answer to give.
 */
export type Send = (queueId: QueueId, prepare: (answer: ApiResult) => Promise<void>) => Promise<ApiResult>;

/**
 * The Idempotency-Key protocol (draft-ietf-httpapi-idempotency-key-header-07):
 *
 * - first request: the key is reserved (pending, with the queue id it will
 *   use), the message is sent, the answer stored; a retry gets that answer
 *   (same status and body, `Idempotent-Replayed: true`).
 * - same key, other request: 409 `idempotency-conflict` (draft §2.7: 422 is
 *   also allowed; a 409 tells the client the key, not the body, is at fault).
 * - same key while the first is still running: 409 `conflict` with
 *   Retry-After: 1 (draft §2.7), not a wait: a client's timeout must not
 *   stack requests in the server.
 * - 202 and 422 answers are kept (the same request would get the same);
 *   429, 503 and 500 answers release the key: nothing was sent and a retry
 *   should run afresh.
 * - a crash between the enqueue and storing the answer: the key is still
 *   pending under a holder that no longer runs. The retry takes it over and
 *   looks its queue id up in the events: committed, it answers what was
 *   prepared; not committed, it sends (under the same queue id). So a retry
 *   never sends twice, also across kill -9 (both writes are synchronous = FULL).
 *
 * Holders are per process start; a pending row of this process that no request
 * here is running (storing its answer failed) counts as abandoned too.
 */
export class Idempotency {
  /** This process, in the rows it reserves. */
  readonly holder = randomBytes(8).toString('hex');
  private readonly running = new Set<string>();
  private pruned = 0;

  constructor(private readonly deps: IdempotencyDeps) {}

  /** Run `send` once per key: without a key header, just run it under a fresh id. */
  async run(req: KeyedRequest, send: Send): Promise<ApiResult> {
    const key = parseKey(req.header);
    if (key === undefined) return send(newQueueId(this.deps.clock), async () => undefined);
    const now = this.deps.clock.now();
    this.maybePrune(now);
    const hash = createHash('sha256');
    for (const part of req.fingerprint) hash.update(part).update('\0');
    const requestHash = hash.digest('hex');
    const queueId = newQueueId(this.deps.clock);
    const r = await this.deps.store.reserve({ owner: req.owner, key, requestHash, queueId, holder: this.holder, createdAt: now, expiresAt: now + IDEMPOTENCY_TTL_MS }, now);
    if (r.reserved) return this.first(req.owner, key, queueId, send);
    const row = r.existing;
    if (row.requestHash !== requestHash) {
      throw new ApiProblem('idempotency-conflict', `Idempotency-Key "${key}" was first used with another request (queue id ${row.queueId}); use a new key for a new message`);
    }
    if (row.state === 'done' && row.answer) return replay(row.answer);
    const slot = `${req.owner}\0${key}`;
    if (row.holder === this.holder && this.running.has(slot)) throw inProgress(key);
    // Abandoned by a process that died (or by a failed write here): take it over, once.
    if (!(await this.deps.store.takeOver(req.owner, key, row.holder, this.holder))) throw inProgress(key);
    if (await this.committed(row.queueId)) {
      const answer = row.answer ?? { status: 202, body: JSON.stringify({ id: row.queueId, recipients: [] }), contentType: 'application/json' };
      await this.deps.store.complete(req.owner, key, answer);
      this.deps.logger.info({ queueId: row.queueId, apiKey: req.owner }, 'idempotent retry after a crash: the message was queued; answering as before');
      return replay(answer);
    }
    return this.first(req.owner, key, row.queueId as QueueId, send);
  }

  private async first(owner: string, key: string, queueId: QueueId, send: Send): Promise<ApiResult> {
    const slot = `${owner}\0${key}`;
    this.running.add(slot);
    try {
      const result = await send(queueId, (answer) => this.deps.store.prepare(owner, key, this.holder, stored(answer)));
      await this.deps.store.complete(owner, key, stored(result));
      return result;
    } catch (err) {
      if (err instanceof ApiProblem && err.status === 422) {
        await this.deps.store.complete(owner, key, { status: err.status, body: JSON.stringify(err.body()), contentType: 'application/problem+json' });
      } else {
        await this.deps.store.release(owner, key, this.holder).catch((e: unknown) => this.deps.logger.error({ err: e }, 'releasing an idempotency key failed'));
      }
      throw err;
    } finally {
      this.running.delete(slot);
    }
  }

  private async committed(queueId: string): Promise<boolean> {
    const events = await this.deps.events.eventsFor(queueId);
    return events.some((s) => s.event.type === 'accepted');
  }

  /** Expired keys go at most once a minute, on the way (no timer to stop). */
  private maybePrune(now: number): void {
    if (now - this.pruned < 60_000) return;
    this.pruned = now;
    void this.deps.store.prune(now).catch((err: unknown) => this.deps.logger.warn({ err }, 'pruning expired idempotency keys failed'));
  }
}

/**
 * The header's value: an RFC 8941 sf-string ("...") per the draft §2.1, or a
 * bare token as many clients send; 1-255 printable ASCII characters.
 */
export function parseKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (Array.isArray(header)) throw new ApiProblem('bad-request', 'send one Idempotency-Key header, not several');
  const raw = header.trim();
  const key = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
  if (!/^[\x20-\x7e]{1,255}$/.test(key) || key.includes('"')) {
    throw new ApiProblem('bad-request', 'Idempotency-Key must be 1-255 printable ASCII characters, e.g. "Idempotency-Key: \\"8e03978e-40d5-43e8-bc93-6894a57f9324\\""');
  }
  return key;
}

function inProgress(key: string): ApiProblem {
  return new ApiProblem('conflict', `a request with Idempotency-Key "${key}" is still being processed; retry in a moment for its answer`, {}, { 'Retry-After': '1' });
}

function stored(result: ApiResult): StoredAnswer {
  const body = typeof result.body === 'string' ? result.body : JSON.stringify(result.body ?? null);
  return { status: result.status, body, contentType: result.contentType ?? 'application/json' };
}

/** The stored answer again: the same status and body (a JSON body is serialized the same way again). */
function replay(a: StoredAnswer): ApiResult {
  const headers = { 'Idempotent-Replayed': 'true' };
  if (a.contentType === 'application/json') return { status: a.status, body: JSON.parse(a.body) as unknown, headers };
  return { status: a.status, body: a.body, contentType: a.contentType, headers };
}
