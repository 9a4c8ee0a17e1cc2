import type { MailParams, Notify } from '../core/index.js';
import { Replies, type SmtpReply } from '../core/index.js';
import { decodeXtext } from '../core/index.js';
import { parseParams } from './command-parser.js';

/**
 * Whether this session takes the REQUIRETLS MAIL parameter (RFC 8689 §3):
 * `offered` on TLS where `requireTls.advertise` is on; `needs-tls` when it
 * would be offered but the session is not on TLS; `off` when not offered at all.
 */
export type RequireTlsState = 'offered' | 'needs-tls' | 'off';

/** MAIL FROM parameters (RFC 1870 SIZE, RFC 6152 BODY, RFC 6531 SMTPUTF8, RFC 3461 RET/ENVID, RFC 4954 AUTH, RFC 8689 REQUIRETLS). */
export function parseMailParams(
  text: string,
  maxSize: number,
  requireTls: RequireTlsState = 'off',
): { ok: true; params: MailParams } | { ok: false; reply: SmtpReply } {
  const map = parseParams(text);
  if (!map) return { ok: false, reply: Replies.syntax() };
  let params: { -readonly [K in keyof MailParams]: MailParams[K] } = {};
  for (const [key, value] of map) {
    switch (key) {
      case 'SIZE': {
        if (value === true || !/^\d{1,20}$/.test(value)) return { ok: false, reply: Replies.syntax() };
        const size = Number(value);
        // RFC 1870 §6.1: refuse at MAIL when the declared size is over our limit.
        if (size > maxSize) return { ok: false, reply: Replies.messageTooBig() };
        params.size = size;
        break;
      }
      case 'BODY': {
        const body = value === true ? '' : value.toUpperCase();
        // BINARYMIME (RFC 3030) is not offered: binary content cannot be relayed
        // safely to servers without it, and it disables the bare CR/LF defence.
        if (body !== '7BIT' && body !== '8BITMIME') return { ok: false, reply: Replies.paramNotRecognized() };
        params.body = body;
        break;
      }
      case 'SMTPUTF8':
        if (value !== true) return { ok: false, reply: Replies.syntax() };
        params.smtputf8 = true;
        break;
      case 'RET': {
        const ret = value === true ? '' : value.toUpperCase();
        if (ret !== 'FULL' && ret !== 'HDRS') return { ok: false, reply: Replies.syntax() };
        params.ret = ret;
        break;
      }
      case 'ENVID': {
        // RFC 3461 §4.4: xtext, at most 100 characters.
        const envid = value === true ? undefined : decodeXtext(value);
        if (envid === undefined || value === true || value.length > 100) return { ok: false, reply: Replies.syntax() };
        params.envid = envid;
        break;
      }
      case 'REQUIRETLS':
        // RFC 8689 §3: no value; only where offered (else RFC 5321 §4.1.1.11's 555), only on TLS.
        // A second REQUIRETLS is refused by parseParams as a repeated parameter (501).
        if (requireTls === 'off') return { ok: false, reply: Replies.paramNotRecognized() };
        if (value !== true) return { ok: false, reply: Replies.syntax() };
        if (requireTls === 'needs-tls') return { ok: false, reply: Replies.requireTlsNeedsTls() };
        params.requireTls = true;
        break;
      case 'AUTH':
        // RFC 4954 §5: the original submitter; we do not trust a client's claim, so it is ignored.
        break;
      default:
        return { ok: false, reply: Replies.paramNotRecognized() };
    }
  }
  return { ok: true, params };
}

export interface RcptParams {
  readonly notify?: Notify;
  readonly orcpt?: string;
}

/** RCPT TO parameters (RFC 3461 §4.1 NOTIFY, §4.2 ORCPT). */
export function parseRcptParams(text: string): { ok: true; params: RcptParams } | { ok: false; reply: SmtpReply } {
  const map = parseParams(text);
  if (!map) return { ok: false, reply: Replies.syntax() };
  const params: { notify?: Notify; orcpt?: string } = {};
  for (const [key, value] of map) {
    if (key !== 'NOTIFY' && key !== 'ORCPT') return { ok: false, reply: Replies.paramNotRecognized() };
    if (value === true) return { ok: false, reply: Replies.syntax() };
    switch (key) {
      case 'NOTIFY': {
        const notify = parseNotify(value);
        if (!notify) return { ok: false, reply: Replies.syntax() };
        params.notify = notify;
        break;
      }
      case 'ORCPT': {
        // addr-type ";" xtext, e.g. "rfc822;user+40example.com"; at most 500 characters.
        const semi = value.indexOf(';');
        const decoded = semi > 0 ? decodeXtext(value.slice(semi + 1)) : undefined;
        if (decoded === undefined || value.length > 500 || !/^[A-Za-z0-9-]+$/.test(value.slice(0, semi))) {
          return { ok: false, reply: Replies.syntax() };
        }
        params.orcpt = `${value.slice(0, semi).toLowerCase()};${decoded}`;
        break;
      }
      default:
        return { ok: false, reply: Replies.paramNotRecognized() };
    }
  }
  return { ok: true, params };
}

function parseNotify(value: string): Notify | undefined {
  const words = value.toUpperCase().split(',');
  if (words.length === 1 && words[0] === 'NEVER') return 'NEVER';
  const out: ('SUCCESS' | 'FAILURE' | 'DELAY')[] = [];
  for (const w of words) {
    if ((w !== 'SUCCESS' && w !== 'FAILURE' && w !== 'DELAY') || out.includes(w)) return undefined;
    out.push(w);
  }
  return out;
}
