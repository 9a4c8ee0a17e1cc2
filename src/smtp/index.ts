export { SmtpServer, type SmtpServerDeps } from './server.js';
export { ensureTlsFiles, serverTlsOptions } from './tls.js';
export { classifyDomain } from './policy/relay-access.js';
export { NetworkSet } from './policy/networks.js';
export type { AuthenticatedUser } from './session-types.js';
