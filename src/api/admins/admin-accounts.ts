import type { Clock } from '../../core/index.js';
import { hashPassword } from '../../users/password.js';
import { AdminStoreError, type AdminStore } from './admin-store.js';

/**
 * Admin names: letters, digits and . _ @ -, like API key names. They are a
 * namespace of their own: an admin "ops" is not the SMTP user "ops" nor the
 * API key "ops"; its API actions are recorded as "admin:ops".
 */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/;
/** Passwords shorter than this are refused: the dashboard acts with every scope. */
export const MIN_PASSWORD_LENGTH = 10;
/** scrypt takes any length, but a megabyte of "password" is a denial of service, not a password. */
export const MAX_PASSWORD_LENGTH = 1024;

export function checkAdminName(name: string): void {
  if (!NAME_RE.test(name)) throw new AdminStoreError(`"${name}" is not a valid admin name: 1-100 letters, digits and . _ @ - (starting with a letter or digit)`, 'invalid');
}

function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) throw new AdminStoreError(`The password is too short: an admin password has at least ${MIN_PASSWORD_LENGTH} characters (a passphrase of a few words is best)`, 'invalid');
  if (password.length > MAX_PASSWORD_LENGTH) throw new AdminStoreError(`The password is too long (at most ${MAX_PASSWORD_LENGTH} characters)`, 'invalid');
}

/** `baton admin create`: a new admin with a scrypt hash of its password (users/password.ts). */
export async function createAdmin(store: AdminStore, clock: Clock, name: string, password: string): Promise<void> {
  checkAdminName(name);
  checkPassword(password);
  await store.create(name, await hashPassword(password), clock.now());
}

/** `baton admin passwd`: a new password, and every session of the admin ends. */
export async function changeAdminPassword(store: AdminStore, clock: Clock, name: string, password: string): Promise<boolean> {
  checkPassword(password);
  if (!(await store.get(name))) return false;
  return store.setPassword(name, await hashPassword(password), clock.now());
}
