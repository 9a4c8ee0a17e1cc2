/**
 * The `_mta-sts.<domain>` TXT record (RFC 8461 §3.1): tells senders that the
 * domain publishes a policy and which version (`id`) it is.
 *
 *   sts-text-record = sts-version 1*(*WSP field-delim *WSP sts-field) [field-delim]
 *   sts-version     = "v=STSv1"
 *   sts-id          = "id=" 1*32(ALPHA / DIGIT)
 */

export interface StsRecord {
  /** The policy's version: a change means "fetch the policy again" (RFC 8461 §3.1, §5.1). */
  readonly id: string;
}

export type StsRecordResult = { readonly ok: true; readonly record: StsRecord } | { readonly ok: false; readonly reason: string };

const ID = /^[A-Za-z0-9]{1,32}$/;
/** RFC 8461 §3.1 sts-ext-name / sts-ext-value: unknown fields are allowed and ignored. */
const EXT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;
const EXT_VALUE = /^[\x21-\x3a\x3c\x3e-\x7e]+$/;

/** Parse one TXT record (its strings already joined, RFC 7208 §3.3 style). */
export function parseStsRecord(text: string): StsRecordResult {
  // The record must begin with the version, no leading space (§3.1).
  if (!/^v=STSv1[ \t]*(;|$)/.test(text)) return { ok: false, reason: 'does not start with v=STSv1' };
  const fields = text.split(';').slice(1).map((f) => f.replace(/^[ \t]+|[ \t]+$/g, ''));
  // A single trailing ";" is allowed (the optional field-delim): drop one empty last field.
  if (fields.length > 0 && fields[fields.length - 1] === '') fields.pop();
  let id: string | undefined;
  for (const field of fields) {
    const eq = field.indexOf('=');
    if (eq <= 0) return { ok: false, reason: `malformed field "${field}"` };
    const name = field.slice(0, eq);
    const value = field.slice(eq + 1);
    if (name === 'id') {
      if (id !== undefined) return { ok: false, reason: 'more than one id' };
      if (!ID.test(value)) return { ok: false, reason: `id "${value}" is not 1-32 letters and digits` };
      id = value;
    } else if (!EXT_NAME.test(name) || !EXT_VALUE.test(value)) {
      return { ok: false, reason: `malformed field "${field}"` };
    }
  }
  if (id === undefined) return { ok: false, reason: 'no id field' };
  return { ok: true, record: { id } };
}

/**
 * From all TXT records at `_mta-sts.<domain>`: the STS record when exactly one
 * record starts with "v=STSv1" and parses (RFC 8461 §3.1: "If multiple TXT
 * records for _mta-sts are returned by the resolver, records that do not begin
 * with v=STSv1; are discarded. If the number of resulting records is not one,
 * or if the resulting record is syntactically invalid, senders MUST assume the
 * recipient domain does not have an available MTA-STS policy").
 */
export function selectStsRecord(records: readonly (readonly string[])[]): StsRecordResult {
  const candidates = records.map((strings) => strings.join('')).filter((t) => t.startsWith('v=STSv1'));
  if (candidates.length === 0) return { ok: false, reason: 'no v=STSv1 record' };
  if (candidates.length > 1) return { ok: false, reason: `${candidates.length} v=STSv1 records (exactly one is allowed)` };
  return parseStsRecord(candidates[0] as string);
}
