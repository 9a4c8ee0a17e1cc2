/**
 * rspamd's `/checkv2` reply, read defensively: it is JSON from another
 * process, so every field is checked before use and anything unexpected is an
 * error (the check's failure rule then applies), never a guess.
 * https://rspamd.com/doc/developers/protocol.html#protocol-reply
 */

/** rspamd's actions (https://rspamd.com/doc/faq.html#what-are-rspamd-actions). */
export const RSPAMD_ACTIONS = ['no action', 'greylist', 'add header', 'rewrite subject', 'soft reject', 'reject'] as const;
export type RspamdAction = (typeof RSPAMD_ACTIONS)[number];

/** A header field rspamd asks the MTA to add (its milter_headers module). */
export interface AddedField {
  readonly name: string;
  /** The value as sent, possibly folded with CRLF + WSP; not yet checked for the wire. */
  readonly value: string;
}

export interface RspamdReply {
  readonly action: RspamdAction;
  readonly score: number;
  readonly requiredScore: number;
  /** Names of the rules that matched, for the log. */
  readonly symbols: readonly string[];
  /** The rewritten Subject, for `rewrite subject`. */
  readonly subject?: string;
  readonly addHeaders: readonly AddedField[];
  /**
   * Fields to remove, by name: only rspamd's "every occurrence" (index 0) is
   * honoured; a request for the n-th occurrence is left out (see `skipped`).
   */
  readonly removeHeaders: readonly string[];
  /** Removal requests not honoured (an occurrence index other than 0). */
  readonly skipped: readonly string[];
}

/** Thrown for a reply that is not what the protocol says. */
export class RspamdReplyError extends Error {}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parse the reply body; throws RspamdReplyError for anything that does not follow the protocol. */
export function parseRspamdReply(body: string): RspamdReply {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new RspamdReplyError(`rspamd reply is not JSON: ${JSON.stringify(body.slice(0, 80))}`);
  }
  if (!isObject(json)) throw new RspamdReplyError('rspamd reply is not a JSON object');
  // rspamd reports its own failures as {"error": "..."} with no action.
  if (typeof json['error'] === 'string') throw new RspamdReplyError(`rspamd error: ${json['error'].slice(0, 200)}`);
  const action = json['action'];
  if (typeof action !== 'string' || !(RSPAMD_ACTIONS as readonly string[]).includes(action)) {
    throw new RspamdReplyError(`rspamd reply has no known action: ${JSON.stringify(action)?.slice(0, 80)}`);
  }
  const score = finite(json['score'], 'score');
  const requiredScore = finite(json['required_score'], 'required_score');
  const symbols = isObject(json['symbols']) ? Object.keys(json['symbols']) : [];
  const subject = json['subject'];
  if (subject !== undefined && typeof subject !== 'string') throw new RspamdReplyError('rspamd reply: subject is not a string');
  const milter = json['milter'] === undefined ? {} : json['milter'];
  if (!isObject(milter)) throw new RspamdReplyError('rspamd reply: milter is not an object');
  const removal = removals(milter['remove_headers']);
  return {
    action: action as RspamdAction,
    score,
    requiredScore,
    symbols,
    ...(subject !== undefined ? { subject } : {}),
    addHeaders: additions(milter['add_headers']),
    removeHeaders: removal.remove,
    skipped: removal.skipped,
  };
}

function finite(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new RspamdReplyError(`rspamd reply: ${name} is not a number`);
  return v;
}

/**
 * `add_headers`: name → value, where a value is a string, {value, order}, or
 * a list of those (several fields of one name).
 */
function additions(v: unknown): AddedField[] {
  if (v === undefined) return [];
  if (!isObject(v)) throw new RspamdReplyError('rspamd reply: milter.add_headers is not an object');
  const out: AddedField[] = [];
  for (const [name, spec] of Object.entries(v)) {
    for (const one of Array.isArray(spec) ? spec : [spec]) {
      const value = typeof one === 'string' ? one : isObject(one) ? one['value'] : undefined;
      if (typeof value !== 'string') throw new RspamdReplyError(`rspamd reply: milter.add_headers.${name.slice(0, 40)} has no string value`);
      out.push({ name, value });
    }
  }
  return out;
}

/** `remove_headers`: name → occurrence (0: all of them; n: the n-th, negative from the end). */
function removals(v: unknown): { remove: string[]; skipped: string[] } {
  if (v === undefined) return { remove: [], skipped: [] };
  if (!isObject(v)) throw new RspamdReplyError('rspamd reply: milter.remove_headers is not an object');
  const remove: string[] = [];
  const skipped: string[] = [];
  for (const [name, index] of Object.entries(v)) {
    if (typeof index !== 'number' || !Number.isInteger(index)) throw new RspamdReplyError(`rspamd reply: milter.remove_headers.${name.slice(0, 40)} is not an integer`);
    (index === 0 ? remove : skipped).push(name);
  }
  return { remove, skipped };
}

/** RFC 5322 §3.6.8: a field name is printable ASCII but the colon. */
const FIELD_NAME = /^[!-9;-~]{1,76}$/;

/**
 * One header field for the wire, CRLF-terminated, from a name and a value
 * that may hold folds: every line break becomes CRLF and must be followed by
 * white space (RFC 5322 §2.2.3 folding), or the field is refused (undefined)
 * rather than let a value inject a field or end the header block. Control
 * characters other than HTAB are refused too.
 */
export function wireField(name: string, value: string): string | undefined {
  if (!FIELD_NAME.test(name)) return undefined;
  const lines = value.split(/\r\n|\r|\n/);
  if (lines.some((l, i) => (i > 0 && !/^[ \t]\S/.test(l)) || /[\x00-\x08\x0a-\x1f\x7f]/.test(l))) return undefined;
  return `${name}: ${lines.join('\r\n')}\r\n`;
}
