import { Replies, type MailParams, type SmtpReply } from '../../../core/index.js';
import type { ContentFacts } from '../../content-scanner.js';
import { Verdicts, type Check } from '../check.js';

export type FormatProblem = 'line-too-long' | 'nul' | 'eight-bit';

/**
 * The first problem of the message's format, by position in the content (so
 * the answer never depends on how TCP split the stream): a line longer than
 * `limits.lineLength` (RFC 5321 §4.5.3.1.6), a NUL (RFC 5322 §2.3), an 8-bit
 * octet without BODY=8BITMIME or SMTPUTF8 (RFC 6152 §3). At one position, the
 * order is that list's.
 */
export function formatProblem(facts: ContentFacts, params: Pick<MailParams, 'body' | 'smtputf8'>): FormatProblem | undefined {
  const allow8bit = params.body === '8BITMIME' || params.smtputf8 === true;
  const found: [number | undefined, FormatProblem][] = [
    [facts.firstLongLine, 'line-too-long'],
    [facts.firstNul, 'nul'],
    [allow8bit ? undefined : facts.firstEightBit, 'eight-bit'],
  ];
  let first: [number, FormatProblem] | undefined;
  for (const [at, problem] of found) if (at !== undefined && (first === undefined || at < first[0])) first = [at, problem];
  return first?.[1];
}

export function formatReply(problem: FormatProblem): SmtpReply {
  switch (problem) {
    case 'line-too-long':
      return Replies.dataLineTooLong();
    case 'nul':
      return Replies.nulInData();
    case 'eight-bit':
      return Replies.eightBitWithoutMime();
  }
}

/** The content rules the scanner measures (content-scanner.ts), applied: 552/554 5.6.x after the end of data. */
export const messageFormatCheck: Check<'content'> = {
  name: 'message-format',
  stage: 'content',
  onFailure: 'closed',
  run({ facts, params }) {
    const problem = formatProblem(facts, params);
    return problem ? Verdicts.reject(formatReply(problem)) : Verdicts.continue;
  },
};
