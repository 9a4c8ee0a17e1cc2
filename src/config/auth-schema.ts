import { z } from 'zod';
import { domainName } from './values.js';

/**
 * Inbound authentication (the `mail-auth` check on `mx` listeners): what Baton
 * does with SPF (RFC 7208), DKIM (RFC 6376), DMARC (RFC 7489) and ARC
 * (RFC 8617) results beyond writing them into Authentication-Results.
 * docs/deliverability.md explains each result and action. The defaults are
 * safe for an MX: only a DMARC p=reject failure is refused.
 */
export const authSchema = z.strictObject({
  spf: z
    .strictObject({
      /**
       * Reject (550 5.7.23) when SPF says fail and DMARC does not pass. Off by
       * default: RFC 7489 §10.1 warns that rejecting on SPF alone loses mail
       * DKIM would have passed (forwarders); softfail and neutral never reject.
       */
      rejectFail: z.boolean().default(false),
    })
    .prefault({}),
  dmarc: z
    .strictObject({
      /** A DMARC fail under p=reject gets 550 5.7.1 (RFC 7489 §6.6.2). false: treated as quarantine. */
      honourReject: z.boolean().default(true),
      /** A DMARC fail under p=quarantine: `header` accepts it (the mailbox files it by the header); `hold` queues it held. */
      honourQuarantine: z.enum(['header', 'hold']).default('header'),
    })
    .prefault({}),
  arc: z
    .strictObject({
      /**
       * ARC sealers (the seal's d= domain; "*.example.org" for subdomains) whose passing chain overrides a DMARC
       * failure when they saw DMARC pass (RFC 8617 §7.2.1, RFC 7489 §6.7):
       * mailing lists and forwarders you rely on.
       */
      trustedSealers: z.array(domainName).default([]),
    })
    .prefault({}),
});

export type AuthConfig = z.output<typeof authSchema>;
