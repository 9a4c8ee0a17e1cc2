/**
 * The outbound SMTP/LMTP client (public surface; the parts live in client/).
 *
 * Hand-written rather than nodemailer's smtp-connection: STACK.md measured the
 * latter at 2-3x the CPU of a minimal pipelining client, without BDAT, and with
 * enhanced status codes left inside the reply text. This one shares the reply
 * parser with the server side (core/smtp-reply.ts) and returns every outcome as
 * data for delivery/outcome.ts to classify.
 *
 *   const c = await connect({ host, ip, port: 25, heloName, connectTimeout, commandTimeout, tls: 'opportunistic' });
 *   if (!c.ok) return classify(c.failure);
 *   const r = await c.connection.send({ mailFrom, recipients, params, message });
 *   // r.recipients[i].result -> classify(); r.reusable -> keep in the pool or close
 *   await c.connection.quit();
 */
export { connect } from './client/session.js';
export { BDAT_CHUNK_SIZE } from './client/client-connection.js';
export { parseCapabilities, NO_CAPABILITIES, type Capabilities } from './client/capabilities.js';
export type {
  ConnectOptions,
  ConnectResult,
  RecipientResult,
  SendRequest,
  SendResult,
  SmtpConnection,
  TlsFallback,
} from './client/types.js';
export type { TlsInfo, TlsClientSettings, TlsPolicy } from './tls-policy.js';
