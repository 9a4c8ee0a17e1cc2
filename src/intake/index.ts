export { QueueIntake, type HandOff, type IntakeDeps } from './intake.js';
export { SuppressionGate, type ScreenInput, type Screened } from './suppression-gate.js';
export { rfc5322Date } from './headers.js';
export type { Intake, Submission, SubmissionHold } from './types.js';
export { compileAliases, compileLocalRecipients, expandAliases, type AliasTable } from './aliases.js';
export { standardIntakeTransforms, type IntakeTransform, type IntakeView } from './transforms/index.js';
export { postalFooter } from './postal-footer.js';
