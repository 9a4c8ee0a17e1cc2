/**
 * SASL PLAIN (RFC 4616) and LOGIN (draft-murchison-sasl-login) decoding for
 * SMTP AUTH (RFC 4954). Pure: the session drives the exchange.
 */

export type SaslMechanism = 'PLAIN' | 'LOGIN';
export const SASL_MECHANISMS: readonly SaslMechanism[] = ['PLAIN', 'LOGIN'];

export interface Credentials {
  readonly user: string;
  readonly password: string;
}

function decodeBase64(text: string): string | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  return Buffer.from(text, 'base64').toString('utf8');
}

/** PLAIN message: [authzid] NUL authcid NUL passwd. An authzid other than the user is refused. */
export function decodePlain(response: string): Credentials | undefined {
  const text = decodeBase64(response);
  if (text === undefined) return undefined;
  const parts = text.split('\0');
  if (parts.length !== 3) return undefined;
  const [authz, user, password] = parts as [string, string, string];
  if (user === '' || (authz !== '' && authz !== user)) return undefined;
  return { user, password };
}

export function decodeLoginField(response: string): string | undefined {
  return decodeBase64(response);
}

export const LOGIN_USER_PROMPT = Buffer.from('Username:').toString('base64');
export const LOGIN_PASS_PROMPT = Buffer.from('Password:').toString('base64');
