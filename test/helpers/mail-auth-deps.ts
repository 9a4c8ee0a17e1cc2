import { parseConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log/index.js';
import type { MailAuthDeps } from '../../src/smtp/policy/checks/index.js';

/**
 * What the mail-auth check is built with in unit tests: `auth` as config
 * (defaults when empty), a resolver that answers nothing unless `over` gives
 * one, and a random that always samples (0).
 */
export function mailAuthDeps(over: Partial<MailAuthDeps> = {}, auth: Record<string, unknown> = {}): MailAuthDeps {
  return {
    hostname: 'mx.baton.test',
    resolver: async () => [],
    config: parseConfig({ auth }, '/tmp').auth,
    timeoutMs: 5000,
    random: { next: () => 0 },
    logger: silentLogger(),
    ...over,
  };
}
