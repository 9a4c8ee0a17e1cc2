import type { Config } from '../config/index.js';
import { splitHostPort } from '../config/schema.js';
import { apiRoutes, type ApiDeps } from './routes/index.js';
import { buildApiServer } from './server.js';
import { defaultDashboardRoot } from './dashboard-assets.js';

export { ApiProblem, PROBLEMS, PROBLEM_BASE, type ProblemBody, type ProblemType } from './problem.js';
export { SCOPES, defineRoute, type ApiCaller, type ApiRequest, type ApiResult, type ApiRoute, type Scope } from './route.js';
export { apiRoutes, type ApiDeps } from './routes/index.js';
export { buildApiServer, type ApiServerOptions } from './server.js';
export type { SessionAuthenticator } from './auth.js';
export { buildOpenApi } from './openapi.js';
export { siteResolver, type SiteInfo, type SiteOf } from './routes/queue-sites.js';
export { ApiKeys, ApiKeyStoreError, openSqliteApiKeyStore, type ApiKeyInfo, type ApiKeyStore } from './keys/index.js';

export interface RunningApi {
  /** The port it listens on (useful when the config said port 0). */
  readonly port: number;
  close(): Promise<void>;
}

/** Build the routes and listen on `api.address` (the caller checks that `config.api` is set). */
export async function startApi(config: Config, deps: ApiDeps): Promise<RunningApi> {
  if (!config.api) throw new Error('startApi: the config has no api section');
  const app = buildApiServer({
    routes: apiRoutes(deps),
    authenticate: (token) => deps.apiKeys.verify(token),
    bodyLimit: config.api.bodyLimit,
    rateLimit: config.api.rateLimit,
    authFailures: config.api.authFailures,
    clock: deps.clock,
    logger: deps.logger,
    ...(config.api.dashboard.enabled ? { dashboardRoot: defaultDashboardRoot() } : {}),
    ...(deps.sessions ? { sessions: deps.sessions } : {}),
    ...(deps.authFailureLimiter ? { failureLimiter: deps.authFailureLimiter } : {}),
  });
  const hostPort = splitHostPort(config.api.address);
  if (!hostPort) throw new Error(`api.address ${config.api.address} is not "host:port"`);
  await app.listen({ host: hostPort.host, port: hostPort.port });
  const address = app.server.address();
  return { port: typeof address === 'object' && address !== null ? address.port : hostPort.port, close: () => app.close() };
}
