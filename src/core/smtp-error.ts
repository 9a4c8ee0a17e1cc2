import { Replies } from './replies.js';
import type { SmtpReply } from './smtp-reply.js';

/** How far a failure reaches (DESIGN §3 step 8). */
export type FailureScope = 'connection' | 'site' | 'message' | 'recipient';

/** A failure with a decided SMTP reply. `message` is internal (logs); `reply` is what the peer sees. */
export class SmtpError extends Error {
  override readonly name = 'SmtpError';
  readonly source: string;

  constructor(
    readonly reply: SmtpReply,
    readonly scope: FailureScope,
    options: { readonly source: string; readonly cause?: unknown; readonly detail?: string },
  ) {
    super(options.detail ?? reply.lines.join(' '), { cause: options.cause });
    this.source = options.source;
  }

  get isTemporary(): boolean {
    return this.reply.code >= 400 && this.reply.code < 500;
  }
}

/**
 * The one place that maps any error to a wire reply. Unknown errors are
 * temporary (451 4.3.0): never bounce or reject mail for our own bug.
 */
export function toWireReply(err: unknown): SmtpReply {
  if (err instanceof SmtpError) return err.reply;
  return Replies.tryLater();
}
