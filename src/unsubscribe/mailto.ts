import { formatMailbox, type Mailbox, type Recipient } from '../core/index.js';
import type { Logger } from '../log/index.js';
import type { NewSuppression } from '../suppression/index.js';
import { MAILTO_PREFIX, type UnsubscribeRequest, type UnsubscribeTokens } from './tokens.js';

export interface MailtoDeps {
  readonly tokens: UnsubscribeTokens;
  /** `unsubscribe.mailtoDomain`, lower case. */
  readonly domain: string;
  readonly scope: 'domain' | 'global';
  readonly suppress: (entries: readonly Omit<NewSuppression, 'createdAt'>[]) => Promise<unknown>;
  readonly logger: Logger;
}

/**
 * The mailto half of List-Unsubscribe (RFC 2369 §3.2, RFC 8058 §3.1):
 * `unsubscribe+TOKEN@DOMAIN`. Two seams, one object:
 * - at RCPT (the `unsubscribe-mailto` check) an address of the domain is
 *   accepted only when its token verifies for the envelope sender, so a
 *   forged or mistyped one gets 550 5.1.1 while the sender is still there;
 * - at intake (`take`) such recipients are consumed: the sender is suppressed
 *   before the 250 (durable, like any accepted mail) and nothing is queued
 *   for them. The content does not matter (RFC 8058 needs no body).
 * The domain counts as local for relay access (`relayDomains`), so strangers'
 * mail servers may send to it; no other address of it is accepted.
 */
export class MailtoUnsubscribe {
  constructor(private readonly deps: MailtoDeps) {}

  /** The domain counts as local for the relay decision; nothing else changes. */
  relayDomains<D extends { readonly localDomains: readonly string[] }>(domains: D): D {
    return { ...domains, localDomains: [...domains.localDomains, this.deps.domain] };
  }

  isMailtoDomain(domain: string): boolean {
    return domain.toLowerCase() === this.deps.domain;
  }

  /** The unsubscribe request this recipient stands for, sent by `sender`; undefined when it is not one. */
  request(rcpt: Mailbox, sender: Mailbox | null): UnsubscribeRequest | undefined {
    if (!this.isMailtoDomain(rcpt.domain) || sender === null) return undefined;
    if (rcpt.local.slice(0, MAILTO_PREFIX.length).toLowerCase() !== MAILTO_PREFIX) return undefined;
    const check = this.deps.tokens.verifyMailto(rcpt.local.slice(MAILTO_PREFIX.length), formatMailbox(sender));
    return check.ok ? check.request : undefined;
  }

  /**
   * Suppress the sender for each unsubscribe recipient; returns the other
   * recipients, to be queued as usual. Recipients of the domain whose token
   * does not verify (when no RCPT check refused them) are dropped and logged.
   */
  async take(recipients: readonly Recipient[], sender: Mailbox | null, queueId: string): Promise<readonly Recipient[]> {
    if (!recipients.some((r) => this.isMailtoDomain(r.address.domain) && r.address.local.toLowerCase() !== 'postmaster')) return recipients;
    const rest: Recipient[] = [];
    const entries: Omit<NewSuppression, 'createdAt'>[] = [];
    for (const r of recipients) {
      if (!this.isMailtoDomain(r.address.domain) || r.address.local.toLowerCase() === 'postmaster') {
        rest.push(r);
        continue;
      }
      const request = this.request(r.address, sender);
      if (!request) {
        this.deps.logger.info({ queueId, rcpt: formatMailbox(r.address), sender: formatMailbox(sender) }, 'unsubscribe mailto dropped: token not valid for this sender');
        continue;
      }
      entries.push({ address: request.address, ...(this.deps.scope === 'domain' ? { domain: request.domain } : {}), reason: 'unsubscribe', source: `mailto:${queueId}` });
      this.deps.logger.info({ queueId, rcpt: request.address, domain: request.domain, key: request.keyId }, 'unsubscribed (mailto)');
    }
    await this.deps.suppress(entries);
    return rest;
  }
}
