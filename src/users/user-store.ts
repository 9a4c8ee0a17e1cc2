/** SMTP AUTH users (RFC 4954): who may log in and which sender domains they may use. */
export interface UserInfo {
  readonly name: string;
  readonly domains: readonly string[];
  readonly createdAt: number;
}

export interface UserStore {
  /** Fails with UserStoreError code 'exists' when the name is taken, 'invalid' on a bad name, password or domain. */
  addUser(name: string, password: string, domains: readonly string[]): Promise<void>;
  /** False when there was no such user. */
  removeUser(name: string): Promise<boolean>;
  listUsers(): Promise<UserInfo[]>;
  /** The user when the password is right; undefined otherwise (unknown users take as long). */
  verifyPassword(name: string, password: string): Promise<{ readonly name: string; readonly domains: readonly string[] } | undefined>;
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
