export { ConfigError, loadConfig, parseConfig, redactConfig, type LoadedConfig } from './load.js';
export type { AuthConfig } from './auth-schema.js';
export type { DkimConfig } from './dkim-schema.js';
export type { BulkConfig, UnsubscribeConfig } from './unsubscribe-schema.js';
export type { ProviderRuleConfig, ShapingConfig } from './shaping-schema.js';
export { CHECK_NAMES, splitHostPort, type CheckName, type Config, type ListenerConfig, type RouteConfig, type TlsPolicy } from './schema.js';
