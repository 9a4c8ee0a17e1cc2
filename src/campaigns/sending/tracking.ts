import { createHmac, timingSafeEqual } from 'node:crypto';
import type { PublicMount } from '../../unsubscribe/index.js';
import type { CampaignStore } from './campaign-store.js';

/**
 * Open and click tracking (docs/campaigns.md#tracking-and-privacy), off by
 * default. A tracked message's HTML gets a 1×1 image `BASE/o/TOKEN` and its
 * http(s) links become `BASE/c/TOKEN`. A token carries the campaign, the
 * contact and, for a click, the original URL, with an HMAC-SHA256 over them
 * (the `unsubscribe.secrets` key): the redirect goes only to the URL signed in
 * the token, so the endpoint is no open redirect, and nobody can make a hit count
 * for a message they did not get.
 */
export interface TrackingOptions {
  readonly opens: boolean;
  readonly clicks: boolean;
  /** `unsubscribe.baseUrl`: the public links server. */
  readonly baseUrl: string;
  readonly secret: string;
}

const MAC_BYTES = 16;

export class CampaignTracking {
  constructor(private readonly o: TrackingOptions) {}

  get enabled(): boolean {
    return this.o.opens || this.o.clicks;
  }

  /** The HTML with the pixel and/or the links rewritten; `keep`: URLs left alone (the unsubscribe link). */
  rewrite(html: string, campaignId: number, contactId: number, keep: readonly string[] = []): string {
    let out = html;
    if (this.o.clicks) {
      out = out.replace(/(<a\b[^>]*?\bhref\s*=\s*")(https?:\/\/[^"]+)(")/gi, (all, pre: string, url: string, post: string) => {
        const raw = url.replace(/&amp;/g, '&');
        if (keep.includes(raw)) return all;
        return `${pre}${this.o.baseUrl}/c/${this.sign(['c', String(campaignId), String(contactId), raw])}${post}`;
      });
    }
    if (this.o.opens) {
      const pixel = `<img src="${this.o.baseUrl}/o/${this.sign(['o', String(campaignId), String(contactId)])}" width="1" height="1" alt="" style="display:none">`;
      out = /<\/body>/i.test(out) ? out.replace(/<\/body>/i, `${pixel}</body>`) : out + pixel;
    }
    return out;
  }

  /** What a token stands for, or undefined when it does not verify. */
  verify(token: string): { kind: 'o' | 'c'; campaignId: number; contactId: number; url?: string } | undefined {
    const dot = token.lastIndexOf('.');
    if (dot <= 0) return undefined;
    const body = token.slice(0, dot);
    const mac = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = this.mac(body);
    if (mac.length !== MAC_BYTES || !timingSafeEqual(mac, expected)) return undefined;
    let parts: unknown;
    try {
      parts = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    if (!Array.isArray(parts) || (parts[0] !== 'o' && parts[0] !== 'c')) return undefined;
    const [kind, campaign, contact, url] = parts as string[];
    return { kind: kind as 'o' | 'c', campaignId: Number(campaign), contactId: Number(contact), ...(kind === 'c' && typeof url === 'string' ? { url } : {}) };
  }

  private sign(parts: readonly string[]): string {
    const body = Buffer.from(JSON.stringify(parts), 'utf8').toString('base64url');
    return `${body}.${this.mac(body).toString('base64url')}`;
  }

  private mac(body: string): Buffer {
    return createHmac('sha256', this.o.secret).update(`baton-tracking:${body}`).digest().subarray(0, MAC_BYTES);
  }
}

/** A transparent 1×1 GIF. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/** The public routes `/o/TOKEN` and `/c/TOKEN`: count the hit (stats and the contact's activity), answer the pixel or the redirect. */
export function trackingMount(
  tracking: CampaignTracking,
  deps: {
    readonly store: Pick<CampaignStore, 'addStats'>;
    readonly recordActivity?: (contactId: number, event: 'opened' | 'clicked', at: number) => Promise<void>;
    readonly now: () => number;
    readonly onError: (err: unknown) => void;
  },
): PublicMount {
  const count = (campaignId: number, contactId: number, event: 'opened' | 'clicked') =>
    void Promise.all([deps.store.addStats([{ campaignId, counts: { [event]: 1 } }]), deps.recordActivity?.(contactId, event, deps.now())]).catch(deps.onError);
  return (app) => {
    app.get<{ Params: { token: string } }>('/o/:token', (req, reply) => {
      const t = tracking.verify(req.params.token);
      if (t?.kind === 'o') count(t.campaignId, t.contactId, 'opened');
      // The pixel either way: a broken image in a message says nothing useful to its reader.
      return reply.type('image/gif').header('cache-control', 'no-store').send(PIXEL);
    });
    app.get<{ Params: { token: string } }>('/c/:token', (req, reply) => {
      const t = tracking.verify(req.params.token);
      if (t?.kind !== 'c' || t.url === undefined) return reply.code(404).type('text/plain; charset=utf-8').send('This link is not valid\n');
      count(t.campaignId, t.contactId, 'clicked');
      return reply.code(302).header('location', t.url).header('cache-control', 'no-store').send();
    });
  };
}
