import { z } from 'zod';
import type { EventStore } from '../../events/index.js';
import { INDEX_STATES, type MessageIndexStore, type SearchPosition } from '../../message-index/index.js';
import type { QueueStore } from '../../queue/index.js';
import { ApiProblem } from '../problem.js';
import { defineRoute, type ApiRoute } from '../route.js';
import { detailJson, detailSchema, summaryJson, summarySchema } from './message-json.js';
import { decodeCursor, encodeCursor } from './page-cursor.js';

export interface MessagesReadDeps {
  readonly queue: Pick<QueueStore, 'getMessage' | 'readBody'>;
  readonly events: Pick<EventStore, 'eventsFor'>;
  readonly index: MessageIndexStore;
}

const TAGS = ['Messages'];
const idParams = z.object({ id: z.string().min(1).max(64).describe('The queue id') });

/** An instant in a query: ISO 8601 / RFC 3339 date-time, or milliseconds since 1970. */
export function parseInstant(text: string): number {
  return /^\d+$/.test(text) ? Number(text) : Date.parse(text);
}
const instant = z.string().refine((s) => !Number.isNaN(parseInstant(s)), { message: 'must be an ISO 8601 date-time (2026-11-30T14:00:00Z) or milliseconds since 1970' });

const searchQuery = z.object({
  sender: z.string().max(320).optional().describe('Envelope sender, any case; "" is the null sender <>'),
  senderDomain: z.string().max(255).optional(),
  recipient: z.string().max(320).optional().describe('A recipient address, any case'),
  domain: z.string().max(255).optional().describe('A recipient domain'),
  state: z.enum(INDEX_STATES).optional().describe('A recipient in this state'),
  tag: z.string().max(128).optional(),
  since: instant.optional().describe('Received at or after'),
  until: instant.optional().describe('Received before'),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(512).optional().describe('The nextCursor of the previous page'),
});

const isPosition = (v: unknown): v is SearchPosition =>
  typeof v === 'object' && v !== null && typeof (v as SearchPosition).receivedAt === 'number' && typeof (v as SearchPosition).queueId === 'string';

const notFound = (id: string) => new ApiProblem('not-found', `No message ${id}: not in the queue, and no event names it (events and the search index are kept for events.retention).`);

/** Reading messages: one with its timeline, its raw bytes, and the search (docs/api.md "Messages and search"). */
export function messagesReadRoutes(deps: MessagesReadDeps): ApiRoute[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/messages',
      operationId: 'searchMessages',
      summary: 'Search messages, newest first',
      description: 'Filters combine (all must hold). Pages by an opaque cursor that stays valid while new mail arrives. Covers messages received within events.retention, in the queue or not.',
      tags: TAGS,
      scope: 'read',
      query: searchQuery,
      responses: {
        200: { description: 'A page of messages', schema: z.object({ messages: z.array(summarySchema), nextCursor: z.string().nullable() }) },
        400: { description: 'A cursor this API did not give out' },
      },
      async handler({ query: q }) {
        const after = q.cursor !== undefined ? decodeCursor(q.cursor, isPosition) : undefined;
        const page = await deps.index.search({
          ...(q.sender !== undefined ? { sender: q.sender } : {}),
          ...(q.senderDomain !== undefined ? { senderDomain: q.senderDomain } : {}),
          ...(q.recipient !== undefined ? { recipient: q.recipient } : {}),
          ...(q.domain !== undefined ? { domain: q.domain } : {}),
          ...(q.state !== undefined ? { state: q.state } : {}),
          ...(q.tag !== undefined ? { tag: q.tag } : {}),
          ...(q.since !== undefined ? { since: parseInstant(q.since) } : {}),
          ...(q.until !== undefined ? { until: parseInstant(q.until) } : {}),
          limit: q.limit,
          ...(after ? { after } : {}),
        });
        const ids = page.messages.map((m) => m.queueId);
        const inQueue = new Set(await inQueueOf(deps, ids));
        return {
          status: 200,
          body: { messages: page.messages.map((m) => summaryJson(m, inQueue.has(m.queueId))), nextCursor: page.next ? encodeCursor(page.next) : null },
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/messages/{id}',
      operationId: 'getMessage',
      summary: 'One message: envelope, state per recipient, and its timeline',
      tags: TAGS,
      scope: 'read',
      params: idParams,
      responses: { 200: { description: 'The message', schema: detailSchema }, 404: { description: 'No such message' } },
      async handler({ params }) {
        const [live, indexed, events] = await Promise.all([deps.queue.getMessage(params.id as never), deps.index.get(params.id), deps.events.eventsFor(params.id)]);
        if (!live && !indexed && events.length === 0) throw notFound(params.id);
        return { status: 200, body: detailJson(live, indexed, events) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/messages/{id}/raw',
      operationId: 'getMessageRaw',
      summary: 'The message as queued (RFC 5322 bytes)',
      description: 'Only while the message is in the queue: delivered messages are removed at once.',
      tags: TAGS,
      scope: 'admin',
      params: idParams,
      responses: { 200: { description: 'The message', contentType: 'message/rfc822' }, 404: { description: 'Not in the queue' } },
      async handler({ params }) {
        const body = await deps.queue.readBody(params.id as never);
        if (!body) throw new ApiProblem('not-found', `Message ${params.id} is not in the queue: its bytes are kept only until every recipient is final.`);
        return { status: 200, body, contentType: 'message/rfc822' };
      },
    }),
  ];
}

/** Which of these ids are still queued (one indexed read per id: a page is at most 100). */
async function inQueueOf(deps: MessagesReadDeps, ids: readonly string[]): Promise<string[]> {
  const found = await Promise.all(ids.map(async (id) => ((await deps.queue.getMessage(id as never)) ? id : undefined)));
  return found.filter((id): id is string => id !== undefined);
}
