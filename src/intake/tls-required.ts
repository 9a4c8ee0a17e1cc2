import { fieldRanges, hasHeader, unfoldedValue, type MailParams } from '../core/index.js';

/** RFC 8689 §3: the header field a sender uses to ask that TLS policy failures be ignored. */
export const TLS_REQUIRED_HEADER = 'TLS-Required';

/**
 * The message's REQUIRETLS tag as stored (RFC 8689 §4.1): a REQUIRETLS MAIL
 * parameter wins and the TLS-Required field is then ignored (it stays in the
 * message: §4.1 lets it travel on). Without the parameter, `TLS-Required: No`
 * (the only value §3 defines; ABNF literals are case-insensitive) tags the
 * message `requireTls: false`, which delivery reads as "ignore recipient-side
 * TLS policy failures" (delivery/tls/require-tls.ts). The field is kept so the
 * next hop honours it too (§4.2.2). The common case costs one regex over the
 * header block.
 */
export function paramsWithTlsRequired(params: MailParams, content: Buffer): MailParams {
  if (params.requireTls === true || !hasHeader(content, TLS_REQUIRED_HEADER)) return params;
  const field = fieldRanges(content).find((f) => f.name === TLS_REQUIRED_HEADER.toLowerCase());
  const value = field ? unfoldedValue(content, field).trim() : '';
  return /^no$/i.test(value) ? { ...params, requireTls: false } : params;
}
