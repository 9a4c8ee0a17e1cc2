import type { UserStore } from '../../users/index.js';
import type { ApiKeyStore } from '../keys/index.js';
import type { ApiKeySettingsSource } from './api-checks.js';

const PREFIX = 'api:';

/** The keys' settings (stream, limits, containment) for the API's checks, read per request (a revoke or `set` applies at once). */
export function apiKeySettings(keys: Pick<ApiKeyStore, 'byName'>): ApiKeySettingsSource {
  return { settingsFor: async (name) => (await keys.byName(name))?.settings };
}

/**
 * The users store as containment sees it (quotas/containment.ts): "api:NAME"
 * is the API key NAME, so an API key that looks compromised is contained
 * like an SMTP user (its settings get `contained`, its mail is queued held),
 * instead of containment failing on a user that does not exist.
 */
export function usersAndApiKeys(users: Pick<UserStore, 'getUser' | 'updateSettings'>, keys: Pick<ApiKeyStore, 'byName' | 'updateSettings'>): Pick<UserStore, 'getUser' | 'updateSettings'> {
  return {
    async getUser(name) {
      if (!name.startsWith(PREFIX)) return users.getUser(name);
      const k = await keys.byName(name.slice(PREFIX.length));
      return k && { name, domains: k.domains, createdAt: k.createdAt, settings: k.settings };
    },
    updateSettings(name, patch) {
      return name.startsWith(PREFIX) ? keys.updateSettings(name.slice(PREFIX.length), patch) : users.updateSettings(name, patch);
    },
  };
}
