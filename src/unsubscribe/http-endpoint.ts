import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { Logger } from '../log/index.js';
import type { NewSuppression } from '../suppression/index.js';
import { confirmPage, donePage, invalidLinkPage } from './unsubscribe-page.js';
import type { UnsubscribeRequest, UnsubscribeTokens } from './tokens.js';

export interface UnsubscribeEndpointDeps {
  readonly tokens: UnsubscribeTokens;
  /** domain: suppress mail from the token's sending domain only; global: all mail to the address. */
  readonly scope: 'domain' | 'global';
  /** The Suppressions service's add (store change + `suppression-added` event). */
  readonly suppress: (entries: readonly Omit<NewSuppression, 'createdAt'>[]) => Promise<unknown>;
  readonly logger: Logger;
  /**
   * More public pages on the same listener and base URL (`unsubscribe.baseUrl`):
   * the one server operators already expose to the Internet, hardened for
   * unauthenticated traffic (form bodies only, 4 KiB). Campaigns mount the
   * double opt-in confirmation link, the hosted subscribe form and the open
   * and click tracking here (campaigns/public-pages). Each mount adds routes
   * under its own path prefix; called once, before listening.
   */
  readonly mounts?: readonly PublicMount[];
}

/** Adds routes to the public links server (UnsubscribeEndpointDeps.mounts). */
export type PublicMount = (app: FastifyInstance) => void;

/** A one-click POST is one short field; anything much larger is not one (413). */
const BODY_LIMIT = 4096;
/** URL tokens carry an address of up to 255 octets (base64url: 4/3 of it and the rest). */
const MAX_TOKEN = 512;

interface Params {
  readonly token: string;
}
type Body = Record<string, unknown> | undefined;

/**
 * The one-click unsubscribe endpoint (RFC 8058), on fastify:
 * - `POST /u/TOKEN` with `List-Unsubscribe=One-Click` (form-urlencoded or
 *   multipart/form-data, §3.2) suppresses the token's recipient at once and
 *   answers 200 with no page (the mailbox provider posts it, no person reads it);
 * - `GET /u/TOKEN` shows a page with a button that posts the same; it
 *   suppresses nothing, since link scanners fetch every URL in a message;
 * - a token that does not verify (malformed, forged, unknown key, expired)
 *   gets 400 and nothing is suppressed; a body over 4 KiB gets 413, another
 *   content type 415.
 */
export class UnsubscribeEndpoint {
  private readonly app: FastifyInstance;

  constructor(private readonly deps: UnsubscribeEndpointDeps) {
    this.app = Fastify({ bodyLimit: BODY_LIMIT, maxParamLength: MAX_TOKEN, logger: false, return503OnClosing: true });
    // Only the two form encodings RFC 8058 §3.2 names: JSON and text bodies are 415.
    this.app.removeAllContentTypeParsers();
    void this.app.register(formbody, { bodyLimit: BODY_LIMIT });
    void this.app.register(multipart, { attachFieldsToBody: 'keyValues', limits: { fields: 8, fieldSize: 256, files: 0, parts: 8, fieldNameSize: 64 } });
    this.app.get<{ Params: Params }>('/u/:token', (req, reply) => this.confirm(req.params.token, reply));
    this.app.post<{ Params: Params; Body: Body }>('/u/:token', (req, reply) => this.unsubscribe(req.params.token, req.body, reply));
    for (const mount of deps.mounts ?? []) mount(this.app);
    this.app.setErrorHandler((err: { statusCode?: number; message: string }, _req, reply) => {
      const status = err.statusCode ?? 500;
      if (status >= 500) deps.logger.error({ err }, 'unsubscribe endpoint failed');
      // Body too large (413), wrong content type (415), a broken form (400): say so briefly.
      void reply.code(status).type('text/plain; charset=utf-8').send(status >= 500 ? 'Temporary problem, try again later\n' : `${err.message}\n`);
    });
  }

  /** Listen on "host:port"; resolves with the port (0 picks a free one). */
  async listen(host: string, port: number): Promise<number> {
    await this.app.listen({ host, port });
    const address = this.app.server.address();
    return typeof address === 'object' && address !== null ? address.port : port;
  }

  async close(): Promise<void> {
    await this.app.close();
  }

  private confirm(token: string, reply: FastifyReply): FastifyReply {
    const check = this.deps.tokens.verify(token);
    if (!check.ok) return this.invalid(reply, check.problem);
    const { address, domain } = check.request;
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(confirmPage(address, this.deps.scope === 'domain' ? domain : undefined, token));
  }

  private async unsubscribe(token: string, body: Body, reply: FastifyReply): Promise<FastifyReply> {
    const check = this.deps.tokens.verify(token);
    if (!check.ok) return this.invalid(reply, check.problem);
    // RFC 8058 §3.2: the body is exactly the List-Unsubscribe-Post value.
    if (body?.['List-Unsubscribe'] !== 'One-Click') {
      return reply.code(400).type('text/plain; charset=utf-8').send('Expected the form field List-Unsubscribe=One-Click (RFC 8058)\n');
    }
    await this.deps.suppress([this.entry(check.request)]);
    this.deps.logger.info({ rcpt: check.request.address, domain: check.request.domain, key: check.request.keyId }, 'unsubscribed (one-click)');
    if (body['page'] === '1') return reply.type('text/html; charset=utf-8').send(donePage(check.request.address));
    return reply.code(200).send();
  }

  private entry(request: UnsubscribeRequest): Omit<NewSuppression, 'createdAt'> {
    return { address: request.address, ...(this.deps.scope === 'domain' ? { domain: request.domain } : {}), reason: 'unsubscribe', source: 'one-click' };
  }

  private invalid(reply: FastifyReply, problem: string): FastifyReply {
    this.deps.logger.info({ problem }, 'unsubscribe link refused');
    return reply.code(400).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(invalidLinkPage());
  }
}
