export { ConfigError, loadConfig, parseConfig, redactConfig, type LoadedConfig } from './load.js';
export { splitHostPort, type Config, type ListenerConfig, type RouteConfig, type TlsPolicy } from './schema.js';
