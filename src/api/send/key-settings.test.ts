import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { UserSettings, UserSettingsPatch } from '../../users/index.js';
import { apiKeySettings, usersAndApiKeys } from './key-settings.js';

const key = { id: 'k1', name: 'shop', scopes: ['send' as const], domains: ['shop.test'], settings: { stream: 'bulk' as const } as UserSettings, createdAt: 5 };

test('"api:NAME" is the API key NAME for containment; other names are SMTP users', async () => {
  const patched: [string, string, UserSettingsPatch][] = [];
  const users = {
    getUser: async (name: string) => ({ name, domains: ['u.test'], createdAt: 1, settings: {} }),
    updateSettings: async (name: string, patch: UserSettingsPatch) => (patched.push(['user', name, patch]), {}),
  };
  const keys = {
    byName: async (name: string) => (name === 'shop' ? key : undefined),
    updateSettings: async (name: string, patch: UserSettingsPatch) => (patched.push(['key', name, patch]), {}),
  };
  const both = usersAndApiKeys(users, keys);
  assert.deepEqual(await both.getUser('api:shop'), { name: 'api:shop', domains: ['shop.test'], createdAt: 5, settings: { stream: 'bulk' } });
  assert.equal(await both.getUser('api:nope'), undefined);
  assert.equal((await both.getUser('alice'))?.domains[0], 'u.test');
  const contained = { contained: { at: 1, trigger: 'bounces' as const, reason: 'r' } };
  await both.updateSettings('api:shop', contained);
  await both.updateSettings('alice', contained);
  assert.deepEqual(patched.map(([where, name]) => [where, name]), [['key', 'shop'], ['user', 'alice']]);
  assert.deepEqual(await apiKeySettings(keys).settingsFor('shop'), { stream: 'bulk' });
});
