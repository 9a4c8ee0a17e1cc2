import type { MilterConfig } from '../../../config/milters-schema.js';
import { applyHeaderEdits, makeReply, type HeaderEdits, type SmtpReply } from '../../../core/index.js';
import type { Logger } from '../../../log/index.js';
import { Verdicts, type Check, type StageInputs, type Verdict } from '../check.js';
import { MilterConnection } from '../milter/connection.js';
import { converse, quit, type MilterResult } from '../milter/conversation.js';
import { mapEdits } from '../milter/edits.js';
import { milterTransaction } from '../milter/transaction.js';

export interface MilterDeps {
  readonly milters: readonly MilterConfig[];
  /** Our name: the `j` and `{daemon_name}` macros. */
  readonly hostname: string;
  readonly logger: Logger;
}

/** The runner's own bound comes this much after the milters', so their clear errors are the ones logged. */
const RUNNER_GRACE_MS = 1000;

/**
 * Milters at the content stage (DESIGN §9 Check), asked in configured order,
 * each on a connection of its own for this message. The whole transaction
 * (connect, HELO, MAIL, RCPTs, header, body) is replayed at end of DATA:
 * simple and robust (no milter connection held per SMTP session, nothing to
 * resynchronise after RSET), at the price that a milter's verdict on an
 * earlier stage (a refused sender) is given after DATA rather than at MAIL,
 * and a refused recipient refuses the message (docs/security.md#milters).
 *
 * Verdicts: reject → 550 5.7.1 (or the milter's REPLYCODE), tempfail →
 * 451 4.7.1, discard → the message is accepted and held for the operator,
 * never dropped unseen; accept → this milter's edits (none) and the next
 * milter. Each milter sees the message as edited by those before it.
 */
export function milterCheck(deps: MilterDeps | undefined): Check<'content'> {
  const milters = deps?.milters ?? [];
  const total = milters.reduce((t, m) => t + m.messageTimeout, 0);
  return {
    name: 'milter',
    stage: 'content',
    // Each milter's own rule is applied inside; this one is for the runner's overall bound.
    onFailure: milters.some((m) => m.onFailure === 'closed') ? 'closed' : 'open',
    timeoutMs: total + RUNNER_GRACE_MS,
    run(input) {
      const asked = milters.filter((m) => !input.session.trusted || m.scanTrusted);
      if (asked.length === 0) return Verdicts.continue;
      return askAll(asked, input, deps as MilterDeps);
    },
  };
}

async function askAll(asked: readonly MilterConfig[], input: StageInputs['content'], deps: MilterDeps): Promise<Verdict> {
  const all: HeaderEdits[] = [];
  let hold: string | undefined;
  let message = input.message;
  for (const m of asked) {
    let result: MilterResult;
    try {
      result = await ask(m, { ...input, message }, deps.hostname);
    } catch (e) {
      const reason = (e as Error).message;
      if (m.onFailure === 'open') {
        deps.logger.warn({ check: 'milter', milter: m.name, client: input.session.clientIp, reason }, 'milter: failed; going on without it (onFailure open)');
        continue;
      }
      deps.logger.error({ check: 'milter', milter: m.name, client: input.session.clientIp, reason }, 'milter: failed; answering try-later (onFailure closed)');
      return Verdicts.defer(makeReply(451, '4.3.0', 'Temporary local problem, try again later'));
    }
    const { verdict, stage } = result;
    const log = { check: 'milter', milter: m.name, client: input.session.clientIp, verdict: verdict.kind, stage };
    switch (verdict.kind) {
      case 'reject':
        deps.logger.info(log, 'milter: message rejected');
        return Verdicts.reject(makeReply(550, '5.7.1', 'Message rejected by content filter'));
      case 'tempfail':
        deps.logger.info(log, 'milter: message deferred');
        return Verdicts.defer(makeReply(451, '4.7.1', 'Message deferred by content filter, try again later'));
      case 'replycode': {
        deps.logger.info({ ...log, code: verdict.code }, 'milter: message refused with its own reply');
        const reply: SmtpReply = makeReply(verdict.code, verdict.status, ...verdict.lines);
        return verdict.code >= 500 ? Verdicts.reject(reply) : Verdicts.defer(reply);
      }
      case 'discard':
        // Postfix discards silently; Baton never loses accepted mail unseen: held, for the operator to delete or release.
        deps.logger.warn(log, 'milter: asked to discard; the message is held instead');
        hold ??= `milter ${m.name} asked to discard it`;
        break;
      case 'accept':
      case 'continue': {
        if (result.edits.length === 0) {
          deps.logger.debug(log, 'milter: passed');
          break;
        }
        let mapped;
        try {
          mapped = mapEdits(message, result, m.name);
        } catch (e) {
          if (m.onFailure === 'open') {
            deps.logger.warn({ ...log, reason: (e as Error).message }, 'milter: edits refused; going on without them (onFailure open)');
            break;
          }
          deps.logger.error({ ...log, reason: (e as Error).message }, 'milter: edits refused; answering try-later (onFailure closed)');
          return Verdicts.defer(makeReply(451, '4.3.0', 'Temporary local problem, try again later'));
        }
        deps.logger.info({ ...log, edits: result.edits.map((e) => e.kind) }, 'milter: header edits');
        all.push(mapped.edits);
        hold ??= mapped.hold;
        // The next milter sees the edited message (as with Postfix's smtpd_milters chain).
        message = Buffer.concat(applyHeaderEdits(message, [mapped.edits]));
        break;
      }
    }
  }
  if (all.length === 0 && hold === undefined) return Verdicts.continue;
  // One verdict carries every milter's edits: later milters' fields go on top, as they were applied.
  const merged: HeaderEdits = {
    prepend: all.slice().reverse().flatMap((e) => e.prepend ?? []),
    removeWhere: all.flatMap((e) => e.removeWhere ?? []),
  };
  return hold === undefined ? { kind: 'headers', edits: merged } : { kind: 'headers', edits: merged, hold };
}

async function ask(m: MilterConfig, input: StageInputs['content'], hostname: string): Promise<MilterResult> {
  const conn = await MilterConnection.open(m.socket, m.timeout);
  const bound = setTimeout(() => conn.abort(`the conversation took longer than messageTimeout (${m.messageTimeout} ms)`), m.messageTimeout);
  try {
    const result = await converse(conn, milterTransaction(input, hostname), m.timeout);
    await quit(conn);
    return result;
  } finally {
    clearTimeout(bound);
    conn.close();
  }
}
