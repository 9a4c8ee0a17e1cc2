export { openSqliteStsPolicyStore } from './sqlite-sts-policy-store.js';
export type { StoredStsPolicy, StsPolicyStore } from './sts-policy-store.js';
