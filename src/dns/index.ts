export { DnsClient, type ClientOptions, type DnsQuerier, type QueryOutcome } from './client.js';
export type { DnsMessage, WireRecord } from './message.js';
export {
  CachingResolver,
  createResolver,
  MAX_NEGATIVE_TTL_MS,
  MAX_TTL_MS,
  NEGATIVE_CACHE_MS,
  type ResolverOptions,
} from './resolver.js';
export { parseServer, resolveServers, type DnsServer } from './servers.js';
// Every type of types.ts is public: the answers, failures and resolver interfaces.
export type * from './types.js';
