import { STREAMS, type Stream } from '../core/index.js';
import { UserStoreError, type ContainedState, type UserLimits, type UserSettings, type UserSettingsPatch } from './user-store.js';

const LIMIT_NAMES: readonly (keyof UserLimits)[] = ['messagesPerHour', 'messagesPerDay', 'recipientsPerMessage', 'recipientsPerDay'];

/** The settings after a patch: given fields replace, null clears; a bad value fails with UserStoreError 'invalid'. */
export function applySettingsPatch(current: UserSettings, patch: UserSettingsPatch): UserSettings {
  const next: { stream?: Stream; limits?: UserLimits; contained?: ContainedState; containmentLiftedAt?: number } = { ...current };
  if (patch.stream === null) delete next.stream;
  else if (patch.stream !== undefined) {
    if (!STREAMS.includes(patch.stream)) throw new UserStoreError(`Unknown stream "${String(patch.stream)}" (use ${STREAMS.join(' or ')})`, 'invalid');
    next.stream = patch.stream;
  }
  if (patch.limits) {
    const limits: Record<string, number> = { ...(current.limits ?? {}) };
    for (const [key, value] of Object.entries(patch.limits)) {
      if (!LIMIT_NAMES.includes(key as keyof UserLimits)) throw new UserStoreError(`Unknown limit "${key}" (use ${LIMIT_NAMES.join(', ')})`, 'invalid');
      if (value === null) delete limits[key];
      else if (value === undefined) continue;
      else if (!Number.isSafeInteger(value) || value < 1) throw new UserStoreError(`${key} must be a whole number of at least 1, not ${value}`, 'invalid');
      else limits[key] = value;
    }
    if (Object.keys(limits).length > 0) next.limits = limits;
    else delete next.limits;
  }
  if (patch.contained === null) delete next.contained;
  else if (patch.contained !== undefined) next.contained = patch.contained;
  if (patch.containmentLiftedAt === null) delete next.containmentLiftedAt;
  else if (patch.containmentLiftedAt !== undefined) next.containmentLiftedAt = patch.containmentLiftedAt;
  return next;
}

/** Settings as stored (a JSON object); anything unreadable is no settings, never a crash at login. */
export function parseSettings(json: string): UserSettings {
  try {
    const v = JSON.parse(json) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as UserSettings) : {};
  } catch {
    return {};
  }
}
