import type { Stream } from '../core/index.js';

/** SMTP AUTH users (RFC 4954): who may log in and which sender domains they may use. */
export interface UserInfo {
  readonly name: string;
  readonly domains: readonly string[];
  readonly createdAt: number;
  readonly settings: UserSettings;
}

/** What an operator sets per user beyond the login (`baton user set`). */
export interface UserSettings {
  /** The stream of the user's mail unless a message says otherwise (docs/deliverability.md#streams); absent: transactional. */
  readonly stream?: Stream;
  /** Sending quotas; an absent field is no limit (docs/deliverability.md#quotas). */
  readonly limits?: UserLimits;
  /** Set by containment (docs/deliverability.md#containment): the user's new mail is queued held until an operator releases it. */
  readonly contained?: ContainedState;
  /** When an operator last lifted containment (`baton queue release --user`): the evidence of that hour and day is forgiven. */
  readonly containmentLiftedAt?: number;
}

/** Why and since when a user is contained. */
export interface ContainedState {
  readonly at: number;
  /** rate: far above its own hourly baseline; bounces, complaints: their share of its recipients today. */
  readonly trigger: 'rate' | 'bounces' | 'complaints';
  /** In words, for the operator: "600 messages this hour, over 10 x its baseline of 12.5/hour". */
  readonly reason: string;
}

export interface UserLimits {
  readonly messagesPerHour?: number;
  readonly messagesPerDay?: number;
  readonly recipientsPerMessage?: number;
  readonly recipientsPerDay?: number;
}

/** A change to a user's settings: a field given replaces it; `null` clears it. */
export type UserSettingsPatch = {
  readonly stream?: Stream | null;
  readonly limits?: { readonly [K in keyof UserLimits]?: number | null };
  readonly contained?: ContainedState | null;
  readonly containmentLiftedAt?: number | null;
};

/** The user a successful login names (the SMTP session keeps it). */
export interface AuthenticatedUser {
  readonly name: string;
  readonly domains: readonly string[];
  readonly settings: UserSettings;
}

export interface UserStore {
  /** Fails with UserStoreError code 'exists' when the name is taken, 'invalid' on a bad name, password or domain. */
  addUser(name: string, password: string, domains: readonly string[]): Promise<void>;
  /** False when there was no such user. */
  removeUser(name: string): Promise<boolean>;
  listUsers(): Promise<UserInfo[]>;
  /** One user, read now (settings may change while Baton runs); undefined when there is none. */
  getUser(name: string): Promise<UserInfo | undefined>;
  /** Apply a settings patch; returns the new settings, undefined when there is no such user. Fails with 'invalid' on a bad value. */
  updateSettings(name: string, patch: UserSettingsPatch): Promise<UserSettings | undefined>;
  /** The user when the password is right; undefined otherwise (unknown users take as long). */
  verifyPassword(name: string, password: string): Promise<AuthenticatedUser | undefined>;
  close(): Promise<void>;
}

export class UserStoreError extends Error {
  override readonly name = 'UserStoreError';
  constructor(
    message: string,
    readonly code: 'exists' | 'invalid' | 'missing-database',
  ) {
    super(message);
  }
}
