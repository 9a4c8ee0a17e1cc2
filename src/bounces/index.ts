export { HardBounceFeeder, type HardBounceFeederDeps } from './hard-bounce-feeder.js';
export { ReportAddresses, type ReportTarget } from './report-addresses.js';
export { ReportIntake } from './report-intake.js';
export { ReportProcessor, type IncomingReport, type ReportProcessorDeps } from './report-processor.js';
export { parseReport, type ParsedReport } from './report-parse.js';
export { verpReturnPath } from './return-path.js';
export { VERP_PREFIX, VerpTokens, type VerpSecret } from './verp-token.js';
export { setUpBounces, type BounceParts } from './setup.js';
