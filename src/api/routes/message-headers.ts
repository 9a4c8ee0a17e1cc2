import { decodeWords } from 'postal-mime';
import { z } from 'zod';
import type { Config } from '../../config/index.js';
import { claimsAuthservId, parseAuthResults } from '../../mailauth/verify/index.js';
import type { QueueStore } from '../../queue/index.js';
import { ApiProblem } from '../problem.js';
import { defineRoute, type ApiRoute } from '../route.js';

export interface MessageHeadersDeps {
  readonly queue: Pick<QueueStore, 'readBody'>;
  /** `hostname` is our authserv-id: only Authentication-Results naming it are ours (RFC 8601 §5). */
  readonly config: Pick<Config, 'hostname'>;
}

const authResultSchema = z.object({
  method: z.string(),
  result: z.string(),
  reason: z.string().optional(),
  comment: z.string().optional(),
  properties: z.record(z.string(), z.string()).describe('"smtp.mailfrom", "header.d", "header.from"...'),
});
const headersSchema = z.object({
  headers: z.array(
    z.object({
      name: z.string(),
      value: z.string().describe('Unfolded, as received'),
      decoded: z.string().optional().describe('The value with its RFC 2047 encoded-words decoded, when it has any'),
    }),
  ),
  authResults: z
    .array(authResultSchema)
    .nullable()
    .describe('SPF, DKIM, DMARC... as Baton found them when it received the message (its own Authentication-Results field); null when Baton checked nothing (submission, API, or mail-auth off)'),
});

/**
 * The header section of a queued message (RFC 5322 §2.2), unfolded (§2.2.3):
 * every field up to the first empty line.
 */
export function headerFields(message: Buffer): { name: string; value: string }[] {
  const text = message.toString('utf8');
  const end = text.search(/\r?\n\r?\n/);
  const section = end === -1 ? text : text.slice(0, end);
  const out: { name: string; value: string }[] = [];
  for (const line of section.split(/\r?\n/)) {
    const last = out[out.length - 1];
    if (/^[ \t]/.test(line) && last) last.value += line;
    else {
      const colon = line.indexOf(':');
      if (colon > 0) out.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).replace(/^[ \t]+/, '') });
    }
  }
  return out;
}

/**
 * `GET /api/v1/messages/{id}/headers`: the headers and the inbound checks'
 * results, read from the queued message. Baton writes its verdicts into the
 * message as an Authentication-Results field at intake (mail-auth check) and
 * removes fields forged in its name, so the field naming our hostname is the
 * record of what was found; other servers' fields are in `headers` only.
 */
export function messageHeadersRoute(deps: MessageHeadersDeps): ApiRoute {
  return defineRoute({
    method: 'GET',
    path: '/api/v1/messages/{id}/headers',
    operationId: 'getMessageHeaders',
    summary: 'A queued message\'s header fields, and the SPF/DKIM/DMARC results Baton found at intake',
    description: 'Only while the message is in the queue, like /raw.',
    tags: ['Messages'],
    scope: 'admin',
    params: z.object({ id: z.string().min(1).max(64).describe('The queue id') }),
    responses: { 200: { description: 'Its headers', schema: headersSchema }, 404: { description: 'Not in the queue' } },
    async handler({ params }) {
      const body = await deps.queue.readBody(params.id as never);
      if (!body) throw new ApiProblem('not-found', `Message ${params.id} is not in the queue: its headers are kept only until every recipient is final.`);
      const headers = headerFields(body).map((h) => {
        const decoded = h.value.includes('=?') ? decodeWords(h.value) : h.value;
        return decoded !== h.value ? { ...h, decoded } : h;
      });
      const ours = claimsAuthservId(deps.config.hostname);
      const field = headers.find((h) => h.name.toLowerCase() === 'authentication-results' && ours.test(h.value));
      return { status: 200, body: { headers, authResults: field ? [...parseAuthResults(field.value).results] : null } satisfies z.infer<typeof headersSchema> };
    },
  });
}
