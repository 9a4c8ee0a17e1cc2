export type { Transport } from './transport.js';
export { TransportRouter, type Routed } from './router.js';
export { SmtpTransport, type SmtpTransportDeps } from './smtp-transport.js';
export { LmtpTransport, type LmtpTransportDeps } from './lmtp-transport.js';
export { MaildirTransport, type MaildirTransportDeps } from './maildir-transport.js';
