export { SmtpServer, type SmtpServerDeps } from './server.js';
export { ensureTlsFiles, serverTlsOptions } from './tls.js';
export { classifyDomain } from './policy/relay-access.js';
export { NetworkSet } from './policy/networks.js';
export type { AuthenticatedUser } from './session-types.js';
export type { AnyCheck, Check, CheckStage, SessionFacts, StageInputs, Verdict } from './policy/check.js';
export { Verdicts } from './policy/check.js';
export { StageChecks, type StageOutcome } from './policy/check-runner.js';
export { builtInChecks, checksByRole, type BuiltInCheckDeps } from './policy/checks/index.js';
