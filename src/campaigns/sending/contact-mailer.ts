import type { Clock } from '../../core/index.js';
import { ALREADY_SENT } from '../../queue/index.js';
import { ApiProblem } from '../../api/problem.js';
import type { ApiCaller } from '../../api/route.js';
import type { ApiSender } from '../../api/send/api-sender.js';
import { composeMessage } from '../../api/send/compose.js';
import type { CampaignTracking } from './tracking.js';
import type { Contact, ContactMailer, ContactMailRequest, ContactMailResult, RenderedMessage, RenderFailure } from '../types.js';

/** Renders one template for one contact (templates/ via main.ts). */
export type CampaignRenderer = (templateId: number, ctx: { readonly contact: Contact; readonly unsubscribeUrl?: string }) => Promise<RenderedMessage | RenderFailure>;

export interface ContactMailerDeps {
  readonly render: CampaignRenderer;
  /** The one-click URL the List-Unsubscribe header will carry for (address, sending domain); absent when unsubscribe is not configured. */
  readonly unsubscribeUrl?: (address: string, domain: string) => string;
  readonly sender: Pick<ApiSender, 'sendPrepared'>;
  /** The API key's identity by name (undefined: no such key, or revoked). */
  readonly callerFor: (apiKey: string) => Promise<ApiCaller | undefined>;
  readonly hostname: string;
  readonly clock: Clock;
  /** Open and click tracking (campaigns.sending.tracking), when on. */
  readonly tracking?: CampaignTracking;
}

/** Problems that mean "not now": quotas, rate limits, a queue that could not commit. */
const TEMPORARY = new Set(['quota-exceeded', 'rate-limited', 'temporary-failure']);

/**
 * Turns (contact, template) into a queued message exactly once: render,
 * compose (the API's own composer), then `ApiSender.sendPrepared` as the
 * campaign's API key, so suppression, quotas, streams (List-Unsubscribe,
 * VERP, the postal footer), DKIM and shaping apply as to any API mail. The
 * send log entry commits with the enqueue; a repeat is `already-sent`.
 */
export class CampaignContactMailer implements ContactMailer {
  constructor(private readonly deps: ContactMailerDeps) {}

  async send(req: ContactMailRequest): Promise<ContactMailResult> {
    const caller = await this.deps.callerFor(req.apiKey);
    if (!caller) return { kind: 'refused', reason: `the API key "${req.apiKey}" does not exist or is revoked`, temporary: true };
    const from = parseFrom(req.from);
    const domain = from ? domainOf(from.address) : undefined;
    const unsubscribeUrl = domain !== undefined ? this.deps.unsubscribeUrl?.(req.contact.address, domain) : undefined;
    const rendered = await this.deps.render(req.templateId, { contact: req.contact, ...(unsubscribeUrl !== undefined ? { unsubscribeUrl } : {}) });
    if ('kind' in rendered) return rendered;
    const campaign = /^campaign:(\d+)$/.exec(req.sendLog.scope);
    const html =
      rendered.html !== undefined && campaign && this.deps.tracking?.enabled
        ? this.deps.tracking.rewrite(rendered.html, Number(campaign[1]), req.contact.id, unsubscribeUrl !== undefined ? [unsubscribeUrl] : [])
        : rendered.html;
    try {
      const composed = await composeMessage(
        { from: from ?? req.from, to: req.contact.address, subject: rendered.subject, text: rendered.text, ...(html !== undefined ? { html } : {}) },
        { hostname: this.deps.hostname, now: this.deps.clock.now() },
      );
      const answer = await this.deps.sender.sendPrepared(caller, {
        mailFrom: composed.mailFrom,
        recipients: composed.recipients,
        content: composed.content,
        stream: req.stream,
        subject: rendered.subject,
        sendLog: req.sendLog,
        ...(req.pool !== undefined ? { pool: req.pool } : {}),
        ...(req.tags ? { tags: req.tags } : {}),
        ...(req.metadata ? { metadata: req.metadata } : {}),
      });
      return { kind: 'queued', queueId: answer.id };
    } catch (err) {
      return outcomeOf(err);
    }
  }
}

function outcomeOf(err: unknown): ContactMailResult {
  if ((err as { code?: string }).code === ALREADY_SENT) return { kind: 'already-sent' };
  if (!(err instanceof ApiProblem)) throw err;
  const recipients = err.extensions['recipients'] as readonly { status: string; reason?: string }[] | undefined;
  const suppressed = recipients?.find((r) => r.status === 'suppressed');
  if (suppressed) return { kind: 'suppressed', reason: suppressed.reason ?? 'suppressed' };
  const reason = recipients?.[0]?.reason ?? err.detail ?? err.kind;
  return { kind: 'refused', reason, temporary: TEMPORARY.has(err.kind) };
}

/** "Name <local@domain>" or "local@domain" as the composer's {name, address}; undefined when it is not one of those. */
export function parseFrom(text: string): { name?: string; address: string } | undefined {
  const m = /^\s*(?:"?([^"<]*?)"?\s*)?<([^<>\s]+@[^<>\s]+)>\s*$/.exec(text);
  if (m) return { ...(m[1] ? { name: m[1] } : {}), address: m[2] as string };
  const bare = text.trim();
  return /^[^\s<>@]+@[^\s<>@]+$/.test(bare) ? { address: bare } : undefined;
}

/** The domain of "local@domain", lower case. */
export function domainOf(address: string): string | undefined {
  const at = address.lastIndexOf('@');
  return at > 0 ? address.slice(at + 1).toLowerCase() : undefined;
}
