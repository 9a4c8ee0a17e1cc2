import type { OutgoingHttpHeaders } from 'node:http';
import type { RspamdConfig } from '../../../config/index.js';
import { formatMailbox, Replies } from '../../../core/index.js';
import type { Logger } from '../../../log/index.js';
import { Verdicts, type Check, type StageInputs, type Verdict } from '../check.js';
import { RspamdClient } from './rspamd-client.js';
import { wireField, type RspamdReply } from './rspamd-reply.js';

export interface RspamdDeps {
  readonly config: RspamdConfig;
  /** Our name, sent as `MTA-Name` (rspamd logs it and its rules may use it). */
  readonly hostname: string;
  readonly logger: Logger;
}

/** The runner's own bound comes this much after the client's, so the client's clear error is the one logged. */
const RUNNER_GRACE_MS = 1000;

/** The fields Baton writes for `add header` / `rewrite subject`; copies already in the message are removed first. */
const OUR_FIELDS = ['X-Spam', 'X-Spam-Score', 'X-Spam-Status'];

/**
 * Spam scanning with rspamd at the content stage (DESIGN §9 Check): the
 * message and its envelope go to `/checkv2`, and rspamd's action decides:
 * reject → 554 5.7.1; greylist / soft reject → 451 4.7.1; add header /
 * rewrite subject → X-Spam-* fields (and the new Subject); no action → on.
 * Header edits rspamd's milter_headers module asks for are applied in every
 * case. Which rules matched goes to the log, never to the client.
 *
 * Trusted networks are skipped unless `scanTrusted`: a synchronous
 * `continue`, no promise, so the relay's hot path pays nothing.
 */
export function rspamdCheck(deps: RspamdDeps): Check<'content'> {
  const { config, logger } = deps;
  const client = new RspamdClient(config.url);
  return {
    name: 'rspamd',
    stage: 'content',
    onFailure: config.onFailure,
    timeoutMs: config.timeout + RUNNER_GRACE_MS,
    parallel: true,
    run(input) {
      if (input.session.trusted && !config.scanTrusted) return Verdicts.continue;
      return client.check(input.message, requestHeaders(input, deps.hostname), config.timeout).then((reply) => {
        logger.info(
          { check: 'rspamd', client: input.session.clientIp, action: reply.action, score: reply.score, required: reply.requiredScore, symbols: reply.symbols },
          'rspamd: scanned',
        );
        return verdict(reply, logger);
      });
    },
  };
}

/**
 * The envelope and client, as rspamd's protocol headers
 * (https://rspamd.com/doc/developers/protocol.html#http-headers). Values are
 * sent as their UTF-8 bytes (SMTPUTF8 addresses), which Node's http accepts
 * only as latin1 strings.
 */
export function requestHeaders(input: StageInputs['content'], hostname: string): OutgoingHttpHeaders {
  const { session, sender, recipients } = input;
  const bytes = (s: string) => Buffer.from(s, 'utf8').toString('latin1');
  return {
    From: bytes(sender ? formatMailbox(sender) : '<>'),
    Rcpt: recipients.map((r) => bytes(formatMailbox(r.address))),
    IP: session.clientIp,
    ...(session.helo ? { Helo: bytes(session.helo.name) } : {}),
    // rspamd treats an authenticated sender as outbound mail (no SPF, different scores).
    ...(session.user ? { User: bytes(session.user.name) } : {}),
    'MTA-Name': bytes(hostname),
  };
}

export function verdict(reply: RspamdReply, logger: Logger): Verdict {
  switch (reply.action) {
    case 'reject':
      return Verdicts.reject(Replies.spamRejected());
    case 'greylist':
    case 'soft reject':
      return Verdicts.defer(Replies.spamDeferred());
    case 'add header':
    case 'rewrite subject':
    case 'no action':
      return edits(reply, logger);
  }
}

/** The header edits of a reply: rspamd's own, and for spam ours and the rewritten Subject. */
function edits(reply: RspamdReply, logger: Logger): Verdict {
  const fields: string[] = [];
  const remove = [...reply.removeHeaders];
  const spam = reply.action === 'add header' || reply.action === 'rewrite subject';
  if (spam) {
    const score = `${reply.score.toFixed(2)} / ${reply.requiredScore.toFixed(2)}`;
    fields.push('X-Spam: Yes\r\n', `X-Spam-Score: ${score}\r\n`, `X-Spam-Status: Yes, score=${reply.score.toFixed(2)} required=${reply.requiredScore.toFixed(2)} action="${reply.action}"\r\n`);
    remove.push(...OUR_FIELDS);
  }
  if (reply.action === 'rewrite subject' && reply.subject !== undefined) {
    const subject = wireField('Subject', reply.subject);
    if (subject) {
      fields.push(subject);
      remove.push('Subject');
    } else logger.warn({ check: 'rspamd' }, 'rspamd: rewritten Subject is not a valid header value; the Subject is kept');
  }
  for (const f of reply.addHeaders) {
    const field = wireField(f.name, f.value);
    if (field) fields.push(field);
    else logger.warn({ check: 'rspamd', field: f.name.slice(0, 76) }, 'rspamd: a header field it asked to add is not valid on the wire; left out');
  }
  if (reply.skipped.length > 0) logger.debug({ check: 'rspamd', fields: reply.skipped }, 'rspamd: removal of one occurrence of a field is not supported; left in');
  if (fields.length === 0 && remove.length === 0) return Verdicts.continue;
  return Verdicts.headers(fields, remove.length > 0 ? { remove } : {});
}
