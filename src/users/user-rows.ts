import { parseSettings } from './user-settings.js';
import { UserStoreError, type UserInfo } from './user-store.js';

/** The `users` row, its mapping and the rules for a new user, shared by the SQLite and PostgreSQL stores. */
export interface UserRow {
  readonly name: string;
  readonly domains: string;
  readonly created_at: number;
  readonly settings: string;
}

export const toInfo = (u: UserRow): UserInfo => ({ name: u.name, domains: JSON.parse(u.domains) as string[], createdAt: u.created_at, settings: parseSettings(u.settings) });

const NAME_RE = /^[^\s\x00-\x1f\x7f]{1,255}$/u;
const DOMAIN_RE = /^(?=.{1,253}$)(?:(?!-)[a-z0-9-]{1,63}(?<!-)\.)*(?!-)[a-z0-9-]{1,63}(?<!-)$/;

export function normaliseDomains(domains: readonly string[]): string[] {
  const out = [...new Set(domains.map((d) => d.trim().toLowerCase()).filter((d) => d !== ''))];
  const bad = out.filter((d) => !DOMAIN_RE.test(d));
  if (bad.length > 0) throw new UserStoreError(`Not a domain name: ${bad.join(', ')}`, 'invalid');
  return out;
}

/** Throws UserStoreError('invalid') for a user that may not be added; returns its domains, normalised. */
export function checkNewUser(name: string, password: string, domains: readonly string[]): string[] {
  if (!NAME_RE.test(name)) throw new UserStoreError('A user name is 1-255 characters without spaces or control characters', 'invalid');
  // API keys' mail is counted under "api:NAME" (api/send/api-checks.ts): no SMTP user may share that name.
  if (name.toLowerCase().startsWith('api:')) throw new UserStoreError('User names starting with "api:" are reserved for API keys', 'invalid');
  if (password.length === 0) throw new UserStoreError('The password is empty', 'invalid');
  const list = normaliseDomains(domains);
  if (list.length === 0) throw new UserStoreError('Give at least one domain the user may send from', 'invalid');
  return list;
}
