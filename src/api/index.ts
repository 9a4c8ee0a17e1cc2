export { ApiProblem, PROBLEMS, PROBLEM_BASE, type ProblemBody, type ProblemType } from './problem.js';
export { SCOPES, defineRoute, type ApiCaller, type ApiRequest, type ApiResult, type ApiRoute, type Scope } from './route.js';
export { apiRoutes, type ApiDeps } from './routes/index.js';
export { buildApiServer, type ApiServerOptions } from './server.js';
export type { SessionAuthenticator } from './auth.js';
export { buildOpenApi } from './openapi.js';
export { siteResolver, type SiteInfo, type SiteOf } from './routes/queue-sites.js';
export { ApiKeys, ApiKeyStoreError, openSqliteApiKeyStore, type ApiKeyInfo, type ApiKeyStore } from './keys/index.js';
export { startApiSide, type ApiSide, type ApiSideDeps } from './node-api.js';
