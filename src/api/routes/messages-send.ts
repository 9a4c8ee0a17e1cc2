import type { z } from 'zod';
import type { Config } from '../../config/index.js';
import type { Clock } from '../../core/index.js';
import { ApiProblem } from '../problem.js';
import { defineRoute, type ApiCaller, type ApiRequest, type ApiResponseSpec, type ApiRoute } from '../route.js';
import type { ApiSender } from '../send/api-sender.js';
import { composeMessage } from '../send/compose.js';
import { rawFromJson, rawFromQuery } from '../send/raw.js';
import { rawJsonBody, rawQuery, sendAnswer, sendMessageBody } from '../send/schemas.js';

/** Read only in handlers (the OpenAPI listing builds the routes with empty deps). */
export interface MessagesSendDeps {
  readonly apiSend?: ApiSender;
  /** `hostname`: the right side of composed messages' Message-IDs. */
  readonly config: Pick<Config, 'hostname'>;
  readonly clock: Clock;
}

const PROBLEM = 'application/problem+json';

/** The answers both send routes document (OpenAPI `responses`). */
const SEND_RESPONSES: Readonly<Record<number, ApiResponseSpec>> = {
  202: { description: 'Queued: the message is on disk. Each recipient says queued, suppressed or rejected (with the SMTP-equivalent reason).', schema: sendAnswer },
  400: { description: 'A malformed Idempotency-Key header.', contentType: PROBLEM },
  409: { description: 'idempotency-conflict: the key was used with another request; conflict: a request with this key is still running (Retry-After).', contentType: PROBLEM },
  413: { description: 'The message is larger than limits.messageSize or api.bodyLimit.', contentType: PROBLEM },
  422: { description: 'validation: the request is not a valid message; rejected: policy refused it (`smtp` has the reply SMTP would give, `check` the check).', contentType: PROBLEM },
  429: { description: "quota-exceeded: the key's sending quota; Retry-After says when its window ends.", contentType: PROBLEM },
  503: { description: 'temporary-failure: nothing was queued (a check could not decide, or the queue could not store it); retry after Retry-After.', contentType: PROBLEM },
};

/**
 * Sending over HTTP (docs/api.md#sending): a message as JSON parts that Baton
 * composes, or raw RFC 5322 bytes. Both go through the submission checks and
 * the same intake as SMTP mail (api/send/), and honour Idempotency-Key.
 */
export function messagesSendRoutes(deps: MessagesSendDeps): ApiRoute[] {
  const composed = defineRoute({
    method: 'POST',
    path: '/api/v1/messages',
    operationId: 'sendMessage',
    summary: 'Send a message composed from JSON (text, html, attachments)',
    description:
      'Baton builds the MIME message (Message-ID and Date set, CRLF), runs the submission checks under the API key, and queues it. ' +
      'Bcc recipients get the message but are not in its header. Send an Idempotency-Key header to make retries safe.',
    tags: ['Sending'],
    scope: 'send',
    body: sendMessageBody,
    responses: SEND_RESPONSES,
    handler: (req) => {
      const b = req.body;
      return senderOf(deps).send({
        caller: callerOf(req),
        ip: req.ip,
        idempotencyKey: req.headers['idempotency-key'],
        fingerprint: ['POST /api/v1/messages', JSON.stringify(b)],
        build: async () => ({
          ...(await composeMessage(b, { hostname: deps.config.hostname, now: deps.clock.now() })),
          ...(b.stream ? { stream: b.stream } : {}),
          ...(b.tags ? { tags: b.tags } : {}),
          ...(b.metadata ? { metadata: b.metadata } : {}),
          ...(b.subject !== undefined ? { subject: b.subject } : {}),
        }),
      });
    },
  });
  const raw = defineRoute({
    method: 'POST',
    path: '/api/v1/messages/raw',
    operationId: 'sendRawMessage',
    summary: 'Send a raw RFC 5322 message',
    description:
      'The body is the message (Content-Type: message/rfc822) and the envelope is in the query: ?from=...&to=...&to=... ' +
      'Or JSON {from, to, raw (base64)}. Bare CR or LF line endings are made CRLF. Baton adds Received, and Message-ID and Date when missing.',
    tags: ['Sending'],
    scope: 'send',
    query: rawQuery,
    body: 'raw',
    rawTypes: ['message/rfc822', 'application/json'],
    responses: SEND_RESPONSES,
    handler: (req: ApiRequest<unknown, z.infer<typeof rawQuery>, Buffer>) => {
      const json = isJson(req.headers['content-type']);
      return senderOf(deps).send({
        caller: callerOf(req),
        ip: req.ip,
        idempotencyKey: req.headers['idempotency-key'],
        fingerprint: ['POST /api/v1/messages/raw', JSON.stringify(req.query ?? {}), json ? 'json' : 'rfc822', req.body],
        build: () => (json ? rawFromJson(parseRawJson(req.body)) : rawFromQuery(req.body, req.query ?? {})),
      });
    },
  });
  return [composed, raw];
}

function senderOf(deps: MessagesSendDeps): ApiSender {
  if (!deps.apiSend) throw new ApiProblem('temporary-failure', 'this node does not take mail over the API (no intake here)');
  return deps.apiSend;
}

function callerOf(req: { readonly caller: ApiCaller | undefined }): ApiCaller {
  if (!req.caller) throw new ApiProblem('unauthorized', 'send an API key: Authorization: Bearer KEY');
  return req.caller;
}

function isJson(type: string | string[] | undefined): boolean {
  return typeof type === 'string' && /^application\/json\b/i.test(type);
}

/** The JSON form of the raw route: parsed and validated here, as the route takes bytes. */
function parseRawJson(body: Buffer): z.infer<typeof rawJsonBody> {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ApiProblem('bad-request', 'the body is not JSON; send {"from": ..., "to": [...], "raw": BASE64} or the message itself as message/rfc822');
  }
  const parsed = rawJsonBody.safeParse(value);
  if (!parsed.success) {
    throw new ApiProblem('validation', 'the request is not a valid raw message', { errors: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
  }
  return parsed.data;
}
