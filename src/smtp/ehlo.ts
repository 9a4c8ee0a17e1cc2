import type { SmtpReply } from '../core/index.js';
import { SASL_MECHANISMS } from './sasl.js';

export interface EhloOptions {
  readonly hostname: string;
  readonly heloName: string;
  readonly clientIp: string;
  readonly maxSize: number;
  readonly offerStartTls: boolean;
  readonly offerAuth: boolean;
  /** RFC 8689 §3: only on a session already on TLS, and only where `requireTls.advertise` allows. */
  readonly offerRequireTls?: boolean;
}

/** The EHLO reply (RFC 5321 §4.1.1.1) with the extensions this listener offers now. */
export function ehloReply(o: EhloOptions): SmtpReply {
  const lines = [
    `${o.hostname} Hello ${o.heloName} [${o.clientIp}]`,
    'PIPELINING', // RFC 2920
    `SIZE ${o.maxSize}`, // RFC 1870
    '8BITMIME', // RFC 6152
    'SMTPUTF8', // RFC 6531
    'ENHANCEDSTATUSCODES', // RFC 2034
    'CHUNKING', // RFC 3030
    'DSN', // RFC 3461
  ];
  if (o.offerStartTls) lines.push('STARTTLS'); // RFC 3207
  if (o.offerAuth) lines.push(`AUTH ${SASL_MECHANISMS.join(' ')}`); // RFC 4954
  if (o.offerRequireTls) lines.push('REQUIRETLS'); // RFC 8689
  lines.push('HELP');
  return { code: 250, lines };
}

/** AUTH only over TLS, unless plaintext is explicitly allowed for a loopback client. */
export function saslAllowed(haveUsers: boolean, secure: boolean, plaintextAllowedHere: boolean): boolean {
  return haveUsers && (secure || plaintextAllowedHere);
}
