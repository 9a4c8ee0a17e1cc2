import type { Singletons } from '../cluster/index.js';
import type { Config } from '../config/index.js';
import { splitHostPort } from '../config/schema.js';
import { MessageIndexProjector } from '../message-index/index.js';
import { TrafficProjector } from '../traffic/index.js';
import { AdminSessions, cookieIsSecure } from './admins/index.js';
import { defaultDashboardRoot } from './dashboard-assets.js';
import { AuthFailureLimiter } from './rate-limits.js';
import { apiRoutes, type ApiDeps } from './routes/index.js';
import { buildApiServer } from './server.js';

/** What the API side takes from the composition root; the dashboard's logins it makes itself. */
export type ApiSideDeps = Omit<ApiDeps, 'sessions' | 'admins' | 'authFailureLimiter'> & {
  /** A cluster: each projection runs only on the node holding its leader lease (cluster/leader-loops.ts). */
  readonly singletons?: Singletons;
};

export interface ApiSide {
  readonly port: number;
  /** Close the listener, then stop the session purge and the projections. */
  stop(): Promise<void>;
}

/**
 * The API side of a node, when `api` is configured (main.ts calls it once):
 * the listener with the dashboard (docs/dashboard.md), the dashboard's logins
 * (admin sessions, a second way into the same routes), and the two projections
 * of the events outbox the API's reads need: the message index (search) and the
 * traffic rollup (overview charts). Both projections follow the outbox by
 * cursor, so starting them only where the API is served loses nothing: a node
 * that serves it later catches up from the cursor.
 */
export async function startApiSide(config: Config, deps: ApiSideDeps): Promise<ApiSide | undefined> {
  const api = config.api;
  if (!api) return undefined;
  const { clock, logger, stores, bus } = deps;
  // One per-IP failure budget for wrong API keys and wrong passwords alike.
  const authFailureLimiter = new AuthFailureLimiter(api.authFailures.max, api.authFailures.window, clock);
  const admins = api.dashboard.enabled
    ? new AdminSessions({
        store: stores.admins,
        clock,
        logger,
        ttlMs: api.dashboard.sessionTtl,
        lockout: { max: api.dashboard.lockout.max, windowMs: api.dashboard.lockout.window },
        secureCookie: cookieIsSecure(api.dashboard.secureCookie, splitHostPort(api.address)?.host ?? ''),
        ipFailures: authFailureLimiter,
      })
    : undefined;
  const running: RunningApi = await startApi(config, { ...deps, authFailureLimiter, ...(admins ? { sessions: admins, admins } : {}) });
  logger.info({ address: api.address }, 'api listening');

  const feed = { events: stores.events, clock, logger, ...(bus ? { bus } : {}) };
  const indexProjector = new MessageIndexProjector({ ...feed, index: stores.messageIndex, retentionMs: config.events.retention });
  const trafficProjector = new TrafficProjector({ ...feed, traffic: stores.traffic });
  const singletons = deps.singletons;
  if (singletons) {
    // Projectors can stop and start again (outbox-projector.ts): the same one for every term of the lease.
    singletons.run('message-index-projector', () => indexProjector);
    singletons.run('traffic-projector', () => trafficProjector);
  } else {
    indexProjector.start();
    trafficProjector.start();
  }
  admins?.start();
  return {
    port: running.port,
    async stop() {
      await running.close();
      admins?.stop();
      if (!singletons) {
        await indexProjector.stop();
        await trafficProjector.stop();
      }
    },
  };
}

interface RunningApi {
  /** The port it listens on (useful when the config said port 0). */
  readonly port: number;
  close(): Promise<void>;
}

/** Build the routes and listen on `api.address`: the API and the built dashboard on one listener. */
async function startApi(config: Config, deps: ApiDeps): Promise<RunningApi> {
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
