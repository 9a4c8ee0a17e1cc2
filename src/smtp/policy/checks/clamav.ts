import type { ClamavConfig } from '../../../config/index.js';
import { Replies } from '../../../core/index.js';
import type { Logger } from '../../../log/index.js';
import { Verdicts, type Check } from '../check.js';
import { clamdScan } from './clamd-client.js';

export interface ClamavDeps {
  readonly config: ClamavConfig;
  readonly logger: Logger;
}

/** The runner's own bound comes this much after the client's, so the client's clear error is the one logged. */
const RUNNER_GRACE_MS = 1000;

/**
 * Malware scanning with ClamAV's clamd at the content stage (DESIGN §9 Check):
 * the message as received goes over INSTREAM; a signature found →
 * `554 5.7.1 Message content rejected`, with the signature's name in the log
 * only (naming it would tell a sender how to get round it). clamd's own
 * errors, e.g. a message over its StreamMaxLength, are not viruses: they are
 * failures, and `onFailure` decides (closed by default: 451 4.3.0).
 *
 * Trusted networks are skipped unless `scanTrusted` (no promise, no cost).
 */
export function clamavCheck(deps: ClamavDeps): Check<'content'> {
  const { config, logger } = deps;
  return {
    name: 'clamav',
    stage: 'content',
    onFailure: config.onFailure,
    timeoutMs: config.timeout + RUNNER_GRACE_MS,
    parallel: true,
    run({ session, message }) {
      if (session.trusted && !config.scanTrusted) return Verdicts.continue;
      return clamdScan(config.socket, message, config.timeout).then((result) => {
        switch (result.kind) {
          case 'clean':
            return Verdicts.continue;
          case 'infected':
            logger.warn({ check: 'clamav', client: session.clientIp, signature: result.signature, size: message.length }, 'clamav: malware found; message rejected');
            return Verdicts.reject(Replies.contentRejected());
          case 'error':
            // The runner applies the failure rule (and logs the reason).
            throw new Error(result.reason);
        }
      });
    },
  };
}
