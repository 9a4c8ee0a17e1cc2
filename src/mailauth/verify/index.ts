export { decideAuth, type AuthAction } from './auth-policy.js';
export { DnsLookupError, mailauthResolver, nodeErrorCode, type MailauthResolver } from './dns-adapter.js';
export { authResultsField, claimsAuthservId, resultRow } from './results-header.js';
export { verifyMessage, type AuthReport, type DmarcPolicy, type VerifyInput, type VerifyOptions } from './verify-message.js';
export { parseAuthResults, type AuthResult, type AuthResultsField } from './results-parse.js';
