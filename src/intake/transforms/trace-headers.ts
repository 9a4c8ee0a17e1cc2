import type { IntakeTransform } from './intake-transform.js';
import { missingSubmissionHeaders, receivedHeader } from '../headers.js';

/** The Received trace field on top (RFC 5321 §4.4: each relay prepends one). */
export function receivedTransform(hostname: string): IntakeTransform {
  return {
    name: 'received',
    edit: (v) => ({
      prepend: [receivedHeader({ origin: v.origin, hostname, queueId: v.queueId, recipients: v.recipients, at: v.receivedAt })],
    }),
  };
}

/** The edits content checks asked for, under our Received (RFC 8601 §5: Authentication-Results near the top). */
export const checkHeadersTransform: IntakeTransform = {
  name: 'check-headers',
  edit: (v) => v.checkEdits,
};

/** Date and Message-ID for submission traffic that lacks them (RFC 6409 §8.2, §8.3). */
export function submissionHeadersTransform(hostname: string): IntakeTransform {
  return {
    name: 'submission-headers',
    edit: (v) => {
      if (!v.isSubmission) return {};
      const added = missingSubmissionHeaders(v.content, hostname, v.receivedAt);
      return added === '' ? {} : { prepend: [added] };
    },
  };
}

/** The transforms every message gets at intake, in order. */
export function standardIntakeTransforms(hostname: string): IntakeTransform[] {
  return [receivedTransform(hostname), checkHeadersTransform, submissionHeadersTransform(hostname)];
}
