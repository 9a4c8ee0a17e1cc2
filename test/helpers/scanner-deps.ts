import { parseConfig } from '../../src/config/index.js';
import { silentLogger, type Logger } from '../../src/log/index.js';
import type { BuiltInCheckDeps } from '../../src/smtp/policy/checks/index.js';

/**
 * What the content scanners (rspamd, clamav) are built with in unit tests:
 * config `scanners` (defaults when empty) and a logger (silent unless given).
 * Building them opens nothing: they connect only when a message is scanned.
 */
export function scannerDeps(scanners: Record<string, unknown> = {}, logger: Logger = silentLogger()): BuiltInCheckDeps['scanners'] {
  const config = parseConfig({ scanners }, '/tmp').scanners;
  return { rspamd: { config: config.rspamd, hostname: 'mx.baton.test', logger }, clamav: { config: config.clamav, logger } };
}
