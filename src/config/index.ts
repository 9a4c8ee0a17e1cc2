export { ConfigError, loadConfig, parseConfig, redactConfig, type LoadedConfig } from './load.js';
export type { AuthConfig } from './auth-schema.js';
export type { DnsblConfig, GreylistConfig, HeloConfig } from './client-reputation-schema.js';
export type { DkimConfig } from './dkim-schema.js';
export type { BouncesConfig, ComplaintsConfig } from './bounces-schema.js';
export type { ClamavConfig, RspamdConfig, ScannersConfig } from './scanners-schema.js';
export type { ContainmentConfig, QuotasConfig } from './quotas-schema.js';
export type { ProviderRuleConfig, ShapingConfig } from './shaping-schema.js';
export { CHECK_NAMES, splitHostPort, type CheckName, type Config, type ListenerConfig, type RouteConfig, type TlsPolicy } from './schema.js';
