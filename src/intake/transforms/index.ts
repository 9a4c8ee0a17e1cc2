export type { IntakeTransform, IntakeView } from './intake-transform.js';
export { checkHeadersTransform, receivedTransform, standardIntakeTransforms, submissionHeadersTransform } from './trace-headers.js';
