import { formatMailbox, type HeaderEdits } from '../../core/index.js';
import type { MessageSummary } from '../../queue/index.js';
import { MAILTO_PREFIX, senderUnsubscribe, type UnsubscribeTokens } from '../../unsubscribe/index.js';
import type { OutboundTransform, OutboundView } from './outbound.js';

export interface ListUnsubscribeOptions {
  readonly tokens: UnsubscribeTokens;
  /** "https://news.example.com": the URL is BASE/u/TOKEN, served by unsubscribe/http-endpoint.ts. */
  readonly baseUrl: string;
  /** Domain of the mailto address; absent: the field has the URL only. */
  readonly mailtoDomain?: string;
}

const NONE: HeaderEdits = {};
const POST_FIELD = 'List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n';
const REPLACE = ['List-Unsubscribe', 'List-Unsubscribe-Post'] as const;

/**
 * One-click unsubscribe for bulk mail (RFC 8058, RFC 2369 §3.2): each
 * recipient's copy gets `List-Unsubscribe: <https://BASE/u/TOKEN>,
 * <mailto:unsubscribe+TOKEN@DOMAIN>` and `List-Unsubscribe-Post:
 * List-Unsubscribe=One-Click`, the token signed for that recipient and the
 * sending domain. It runs before DKIM signing, which signs both fields
 * (RFC 8058 §4). A sender's own valid pair is kept; an invalid one (no https
 * URI, no -Post field) is replaced. Since the field differs per recipient,
 * the engine sends bulk mail one recipient per transaction (`perRecipient`).
 */
export function listUnsubscribeTransform(opts: ListUnsubscribeOptions): OutboundTransform {
  return {
    name: 'list-unsubscribe',
    perRecipient: (message: MessageSummary) => message.origin.stream === 'bulk',
    edit(view: OutboundView): HeaderEdits {
      if (view.message.origin.stream !== 'bulk') return NONE;
      const rcpt = view.recipients[0];
      const domain = view.message.envelope.mailFrom?.domain;
      // One recipient per job (perRecipient); a bounce-like null sender has no domain to scope an unsubscribe to.
      if (view.recipients.length !== 1 || rcpt === undefined || domain === undefined) return NONE;
      const message = view.parts.length === 1 ? (view.parts[0] as Buffer) : Buffer.concat(view.parts);
      const theirs = senderUnsubscribe(message);
      if (theirs === 'valid') return NONE;
      const address = formatMailbox(rcpt.address).toLowerCase();
      const tokens = opts.tokens.issueBoth(address, domain);
      const uris = [`<${opts.baseUrl}/u/${tokens.url}>`];
      if (opts.mailtoDomain !== undefined && tokens.mailto !== undefined) uris.push(`<mailto:${MAILTO_PREFIX}${tokens.mailto}@${opts.mailtoDomain}>`);
      // Folded after each URI (RFC 5322 §2.2.3) to keep lines short.
      const fields = [`List-Unsubscribe: ${uris.join(',\r\n ')}\r\n`, POST_FIELD];
      return theirs === 'absent' ? { prepend: fields } : { prepend: fields, remove: REPLACE };
    },
  };
}
