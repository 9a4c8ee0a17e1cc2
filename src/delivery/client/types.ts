import type { Mailbox, MessageParts, Recipient, MailParams, SmtpReply } from '../../core/index.js';
import type { Logger } from '../../log/index.js';
import type { StageResult } from '../outcome.js';
import type { PeerCheck, TlsNegotiation } from '../tls/host-tls.js';
import type { TlsClientSettings, TlsInfo, TlsPolicy } from '../tls-policy.js';
import type { Capabilities } from './capabilities.js';

export interface ConnectOptions {
  /** MX host name (for SNI, certificate checks and logs). */
  readonly host: string;
  /** The address to connect to (already resolved: see mx.ts). */
  readonly ip: string;
  readonly port: number;
  /** Egress source: local address to bind. */
  readonly localAddress?: string;
  /** Name sent in EHLO/LHLO/HELO. */
  readonly heloName: string;
  /** TCP connect limit, ms. */
  readonly connectTimeout: number;
  /** Limit for each reply (greeting, every command, end of data), ms. */
  readonly commandTimeout: number;
  readonly tls: TlsPolicy;
  readonly tlsSettings?: TlsClientSettings;
  /**
   * After the handshake (DANE's TLSA match, RFC 7672 §3): a failure ends the
   * connection when `tls` requires TLS and is only reported otherwise.
   */
  readonly checkPeer?: PeerCheck;
  /** Names the TLS demand (delivery/tls/): part of the pool key, so a connection made under one policy carries no mail planned under another. */
  readonly tlsKey?: string;
  /**
   * RFC 8689 §4.2.1: this connection carries REQUIRETLS messages: it must end
   * up on TLS with a server that offers REQUIRETLS in its EHLO after STARTTLS,
   * else the connection fails (and the next MX is tried).
   */
  readonly requireTls?: true;
  /** How TLS went on each new connection (TLS-RPT, logs); not called for pooled reuse. */
  readonly onTls?: (result: TlsNegotiation) => void;
  /** AUTH PLAIN or LOGIN (RFC 4954); only over TLS unless tls is 'none'. */
  readonly auth?: { readonly user: string; readonly pass: string };
  /** Speak LMTP (RFC 2033): LHLO, one end-of-data reply per accepted recipient. */
  readonly lmtp?: boolean;
  /** Transactions before a pooled connection is closed, for this destination (shaping); the pool's default otherwise. */
  readonly maxMessages?: number;
  readonly log?: Logger;
}

/** Why an opportunistic TLS connection ended up in plaintext. */
export type TlsFallback = { readonly reason: 'starttls-refused'; readonly reply: SmtpReply } | { readonly reason: 'handshake-failed'; readonly message: string };

export type ConnectResult =
  | { readonly ok: true; readonly connection: SmtpConnection }
  | {
      readonly ok: false;
      /** Stage connect | greeting | ehlo | starttls | auth, with the reply or the error. Classify with outcome.ts. */
      readonly failure: StageResult;
      readonly tlsFallback?: TlsFallback;
    };

export interface SendRequest {
  /** null is the null reverse-path "<>". */
  readonly mailFrom: Mailbox | null;
  readonly recipients: readonly Recipient[];
  readonly params: Pick<MailParams, 'body' | 'smtputf8' | 'ret' | 'envid' | 'requireTls'>;
  /** The message (CRLF line ends), as one buffer or as parts sent back to back; dot-stuffing is done here. */
  readonly message: Buffer | MessageParts;
  /**
   * Pass the DSN parameters (RET, ENVID, NOTIFY, ORCPT) on when the server
   * offers DSN (default true). A final delivery agent (our LMTP) keeps the
   * duty to report itself and passes none.
   */
  readonly passDsn?: boolean;
}

export interface RecipientResult {
  /** "local@domain" as sent. */
  readonly address: string;
  /** The RCPT reply, when one arrived. */
  readonly rcpt?: StageResult;
  /**
   * The result that decided this recipient: a refused RCPT, else the MAIL failure,
   * the DATA/end-of-data/BDAT reply (LMTP: this recipient's own), or the
   * connection error. Classify it with outcome.ts `classify`.
   */
  readonly result: StageResult;
  /** True only on a 2xx end-of-data (or BDAT LAST) reply for this recipient. */
  readonly delivered: boolean;
  /** Delivered, and NOTIFY=SUCCESS was passed to a server that offered DSN: it reports success now (RFC 3461 §5.2.2). */
  readonly noticePassedOn: boolean;
}

export interface SendResult {
  /** One per request recipient, same order. */
  readonly recipients: readonly RecipientResult[];
  /**
   * The result that ended the transaction for the accepted recipients.
   * Absent when every RCPT was refused.
   * For LMTP the per-recipient `result` is authoritative.
   */
  readonly last?: StageResult;
  /** Whether `send` can be called again on this connection. */
  readonly reusable: boolean;
}

export interface SmtpConnection {
  readonly host: string;
  readonly ip: string;
  readonly port: number;
  readonly greeting: SmtpReply;
  readonly capabilities: Capabilities;
  /** Present when the session is encrypted. */
  readonly tlsInfo?: TlsInfo;
  /** Set when opportunistic TLS fell back to plaintext. */
  readonly tlsFallback?: TlsFallback;
  /** Authenticated user name, when AUTH succeeded. */
  readonly authenticatedAs?: string;
  /** Transactions started on this connection. */
  readonly transactions: number;
  /** False once the connection died or was closed; a pool drops it then. */
  readonly usable: boolean;
  /** One mail transaction; never throws, never rejects. */
  send(tx: SendRequest): Promise<SendResult>;
  /** RSET; true if the server answered 250 (a pool's liveness check). */
  reset(): Promise<boolean>;
  /** QUIT politely (bounded by the command timeout), then close. */
  quit(): Promise<void>;
  /** Close at once. */
  close(): void;
  /** Called once when the connection dies or is closed (pool bookkeeping). */
  onClose(listener: (reason: string) => void): void;
}
