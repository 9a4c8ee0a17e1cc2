import { decodeLoginField, decodePlain, LOGIN_PASS_PROMPT, LOGIN_USER_PROMPT, type Credentials } from './sasl.js';

export type SaslStep =
  | { readonly kind: 'challenge'; readonly challenge: string }
  | { readonly kind: 'done'; readonly credentials: Credentials }
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'malformed' };

/** One AUTH exchange (RFC 4954 §4): a small state machine per mechanism. */
export class SaslExchange {
  private state: 'start' | 'plain-wait' | 'login-user' | 'login-pass' = 'start';
  private user = '';

  private constructor(private readonly mechanism: 'PLAIN' | 'LOGIN') {}

  static start(mechanism: string): SaslExchange | undefined {
    return mechanism === 'PLAIN' || mechanism === 'LOGIN' ? new SaslExchange(mechanism) : undefined;
  }

  /** `response` is the initial response (AUTH line) or a client line; undefined = none given. */
  step(response: string | undefined): SaslStep {
    if (response === '*') return { kind: 'cancelled' }; // RFC 4954 §4
    switch (this.state) {
      case 'start':
        if (this.mechanism === 'PLAIN') {
          // "=" is an empty initial response (RFC 4954 §4).
          if (response === undefined || response === '=') return this.ask('plain-wait', '');
          return this.plain(response);
        }
        if (response === undefined) return this.ask('login-user', LOGIN_USER_PROMPT);
        return this.loginUser(response);
      case 'plain-wait':
        return this.plain(response ?? '');
      case 'login-user':
        return this.loginUser(response ?? '');
      case 'login-pass': {
        const password = decodeLoginField(response ?? '');
        if (password === undefined) return { kind: 'malformed' };
        return { kind: 'done', credentials: { user: this.user, password } };
      }
    }
  }

  private ask(state: SaslExchange['state'], challenge: string): SaslStep {
    this.state = state;
    return { kind: 'challenge', challenge };
  }

  private plain(response: string): SaslStep {
    const credentials = decodePlain(response);
    return credentials ? { kind: 'done', credentials } : { kind: 'malformed' };
  }

  private loginUser(response: string): SaslStep {
    const user = decodeLoginField(response);
    if (user === undefined || user === '') return { kind: 'malformed' };
    this.user = user;
    return this.ask('login-pass', LOGIN_PASS_PROMPT);
  }
}
