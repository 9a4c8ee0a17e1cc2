import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { z } from 'zod';
import { parseDuration, type Clock, type QueueId } from '../../core/index.js';
import type { MessageIndexStore } from '../../message-index/index.js';
import type { QueueSelector, QueueStore } from '../../queue/index.js';
import { ApiProblem } from '../problem.js';
import { defineRoute, type ApiRoute } from '../route.js';
import { parseInstant } from './messages-read.js';
import { decodeCursor, encodeCursor } from './page-cursor.js';

export interface QueueActionDeps {
  readonly queue: Pick<QueueStore, 'getMessage' | 'hold' | 'release' | 'retryNow' | 'delete' | 'listIds' | 'countIds'>;
  /** Tells "left the queue" (409) from "never heard of" (404). */
  readonly index: Pick<MessageIndexStore, 'get'>;
  readonly clock: Clock;
  /** Messages acted on per commit (default 200): a bulk action never holds the queue's writer for long. */
  readonly batch?: number;
}

export const QUEUE_ACTIONS = ['hold', 'release', 'retry', 'delete'] as const;
type Action = (typeof QUEUE_ACTIONS)[number];

const idParams = z.object({ id: z.string().min(1).max(64).describe('The queue id') });

const selectorBody = z
  .strictObject({
    sender: z.string().max(320).optional().describe('Envelope sender, any case; "" is the null sender <>'),
    senderDomain: z.string().max(255).optional(),
    recipient: z.string().max(320).optional(),
    recipientDomain: z.string().max(255).optional(),
    olderThan: z
      .string()
      .refine((s) => ok(() => parseDuration(s)), { message: 'must be a duration such as "30m", "2h" or "1d"' })
      .optional()
      .describe('Received longer ago than this'),
    receivedBefore: z.string().refine((s) => !Number.isNaN(parseInstant(s)), { message: 'must be an ISO 8601 date-time' }).optional(),
    held: z.boolean().optional(),
    all: z.literal(true).optional().describe('Required to delete with no other filter: every message in the queue'),
    limit: z.number().int().min(1).max(10_000).optional().describe('Act on at most this many messages, then answer with "nextCursor" and (first call) "total": for a client that shows progress'),
    cursor: z.string().max(512).optional().describe('The "nextCursor" of the previous call, with the same filter: continue where it stopped'),
  })
  .describe('Which messages: all given filters must hold');
type SelectorBody = z.infer<typeof selectorBody>;

function ok(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
}

const actedSchema = z.object({ id: z.string(), action: z.enum(QUEUE_ACTIONS), recipients: z.number().int().optional() });
const bulkSchema = z.object({
  action: z.enum(QUEUE_ACTIONS),
  messages: z.number().int().describe('Messages acted on (by this call)'),
  recipients: z.number().int().optional().describe('retry: recipients made due now'),
  total: z.number().int().optional().describe('With "limit" and no "cursor": how many messages the filter selects now (the denominator of a progress display)'),
  nextCursor: z.string().nullable().optional().describe('With "limit": pass it back as "cursor" to go on; null when the selection is done'),
});

/**
 * Where a paged bulk action stopped: the last queue id looked at, and the
 * instant of the first call, so a relative filter ("olderThan": "2h") keeps
 * selecting the same messages on every call instead of drifting with the clock.
 */
interface BulkPosition {
  readonly after: string;
  readonly now: number;
}
const isBulkPosition = (v: unknown): v is BulkPosition =>
  typeof v === 'object' && v !== null && typeof (v as BulkPosition).after === 'string' && typeof (v as BulkPosition).now === 'number';

/** Queue actions on one message and in bulk by filter (docs/api.md "Queue"). */
export function queueActionRoutes(deps: QueueActionDeps): ApiRoute[] {
  const byId = QUEUE_ACTIONS.map((action) =>
    defineRoute({
      method: action === 'delete' ? 'DELETE' : 'POST',
      path: action === 'delete' ? '/api/v1/messages/{id}' : `/api/v1/messages/{id}/${action}`,
      operationId: `${action}Message`,
      summary: SUMMARIES[action],
      tags: ['Queue'],
      scope: 'admin',
      params: idParams,
      responses: {
        200: { description: 'Done', schema: actedSchema },
        404: { description: 'No such message' },
        409: { description: 'The message is not in a state that allows this (see docs/api.md "Queue")' },
      },
      handler: async ({ params }) => ({ status: 200, body: await actOnOne(deps, action, params.id) }),
    }),
  );
  const bulk = QUEUE_ACTIONS.map((action) =>
    defineRoute({
      method: 'POST',
      path: `/api/v1/queue/${action}`,
      operationId: `${action}Messages`,
      summary: `${SUMMARIES[action]}: every message a filter selects`,
      description:
        'Acts in batches (one commit each), so mail keeps flowing during a large action. An empty filter is refused for delete unless "all": true. With "limit", acts on at most that many messages and answers "nextCursor" (and "total" on the first call): call again with the same filter and the cursor until it is null, to show progress.',
      tags: ['Queue'],
      scope: 'admin',
      body: selectorBody,
      responses: { 200: { description: 'How many messages were acted on', schema: bulkSchema }, 422: { description: 'An invalid filter' } },
      handler: async ({ body, signal }) => ({ status: 200, body: await actInBulk(deps, action, body, signal) }),
    }),
  );
  return [...byId, ...bulk];
}

const SUMMARIES: Record<Action, string> = {
  hold: 'Hold: never attempted until released',
  release: 'Release a held message',
  retry: 'Retry now: make waiting recipients due at once',
  delete: 'Delete from the queue (no bounce is sent)',
};

async function actOnOne(deps: QueueActionDeps, action: Action, id: string): Promise<z.infer<typeof actedSchema>> {
  const m = await deps.queue.getMessage(id as QueueId);
  if (!m) {
    if (await deps.index.get(id)) throw new ApiProblem('conflict', `Message ${id} has left the queue (every recipient is final, or it was deleted): there is nothing to ${action}.`);
    throw new ApiProblem('not-found', `No message ${id} in the queue.`);
  }
  switch (action) {
    case 'hold':
      if (m.held) throw new ApiProblem('conflict', `Message ${id} is already held.`);
      await deps.queue.hold(m.id);
      return { id, action };
    case 'release':
      if (!m.held) throw new ApiProblem('conflict', `Message ${id} is not held: only a held message can be released.`);
      await deps.queue.release(m.id);
      return { id, action };
    case 'retry': {
      if (m.held) throw new ApiProblem('conflict', `Message ${id} is held: release it first (release makes it due).`);
      if (!m.recipients.some((r) => r.status === 'pending')) throw new ApiProblem('conflict', `Message ${id} has no recipient waiting for delivery.`);
      // Recipients being attempted right now are left alone, so this may be 0.
      return { id, action, recipients: await deps.queue.retryNow({ id: m.id }, deps.clock.now()) };
    }
    case 'delete':
      await deps.queue.delete(m.id, 'operator');
      return { id, action };
  }
}

/** The selector a body describes; holding selects the unheld, releasing the held. */
export function selectorOf(action: Action, body: SelectorBody, now: number): QueueSelector {
  const filters = { ...body };
  delete filters.all;
  if (action === 'delete' && Object.keys(filters).length === 0 && body.all !== true) {
    throw new ApiProblem('validation', 'An empty filter would delete every message in the queue: give a filter, or "all": true if that is what you mean.', {
      errors: [{ path: 'all', message: 'required (true) when no filter is given' }],
    });
  }
  const before = [body.olderThan !== undefined ? now - parseDuration(body.olderThan) : undefined, body.receivedBefore !== undefined ? parseInstant(body.receivedBefore) : undefined].filter(
    (t): t is number => t !== undefined,
  );
  const held = action === 'hold' ? false : action === 'release' ? true : body.held;
  if ((action === 'hold' && body.held === true) || (action === 'release' && body.held === false)) {
    throw new ApiProblem('validation', `"held": ${body.held} contradicts ${action}: ${action} acts only on ${action === 'hold' ? 'unheld' : 'held'} messages; leave "held" out.`, {
      errors: [{ path: 'held', message: `contradicts ${action}` }],
    });
  }
  return {
    ...(body.sender !== undefined ? { sender: body.sender } : {}),
    ...(body.senderDomain !== undefined ? { senderDomain: body.senderDomain } : {}),
    ...(body.recipient !== undefined ? { recipient: body.recipient } : {}),
    ...(body.recipientDomain !== undefined ? { recipientDomain: body.recipientDomain } : {}),
    ...(before.length > 0 ? { receivedBefore: Math.min(...before) } : {}),
    ...(held !== undefined ? { held } : {}),
  };
}

async function actInBulk(deps: QueueActionDeps, action: Action, body: SelectorBody, signal: AbortSignal): Promise<z.infer<typeof bulkSchema>> {
  const from = body.cursor !== undefined ? decodeCursor(body.cursor, isBulkPosition) : undefined;
  const now = from?.now ?? deps.clock.now();
  const { limit, cursor: _cursor, ...filters } = body;
  const selector = selectorOf(action, filters, now);
  // Counted before acting: hold and release change what their selector matches.
  const total = limit !== undefined && from === undefined ? await deps.queue.countIds(selector) : undefined;
  const batch = deps.batch ?? 200;
  let after = from?.after as QueueId | undefined;
  let looked = 0;
  let messages = 0;
  let recipients = 0;
  let more = false;
  while (!signal.aborted) {
    const want = limit !== undefined ? Math.min(batch, limit - looked) : batch;
    if (want <= 0) {
      // The limit is reached: more to do only if the selection goes on past the last id.
      more = (await deps.queue.listIds(selector, { limit: 1, ...(after !== undefined ? { after } : {}) })).length > 0;
      break;
    }
    const ids = await deps.queue.listIds(selector, { limit: want, ...(after !== undefined ? { after } : {}) });
    if (ids.length === 0) break;
    // Issued in one tick: the SQLite writer takes them as one batch, one commit.
    const results = await Promise.all(ids.map((id) => actOnSelected(deps, action, id, now)));
    for (const n of results) {
      if (n > 0) messages += 1;
      if (action === 'retry') recipients += n;
    }
    looked += ids.length;
    after = ids[ids.length - 1];
    if (ids.length < want) break;
    // Between batches: SMTP sessions and deliveries get their commits in.
    await yieldToEventLoop();
  }
  return {
    action,
    messages,
    ...(action === 'retry' ? { recipients } : {}),
    ...(total !== undefined ? { total } : {}),
    ...(limit !== undefined ? { nextCursor: more && after !== undefined ? encodeCursor({ after, now } satisfies BulkPosition) : null } : {}),
  };
}

/** 1 (or, for retry, the recipients made due) when the message was acted on, 0 when it was gone by then. */
async function actOnSelected(deps: QueueActionDeps, action: Action, id: QueueId, now: number): Promise<number> {
  switch (action) {
    case 'hold':
      return (await deps.queue.hold(id)) ? 1 : 0;
    case 'release':
      return (await deps.queue.release(id)) ? 1 : 0;
    case 'retry':
      return deps.queue.retryNow({ id }, now);
    case 'delete':
      return (await deps.queue.delete(id, 'operator')) ? 1 : 0;
  }
}
