import type { SessionFacts } from '../../src/smtp/policy/check.js';

/** What the checks see of an untrusted client on an mx listener, unless `over` says otherwise. */
export function sessionFacts(over: Partial<SessionFacts> = {}): SessionFacts {
  return {
    clientIp: '192.0.2.1',
    clientPort: 4000,
    listener: { address: '127.0.0.1:25', role: 'mx', allowPlaintextAuth: false },
    trusted: false,
    tls: false,
    ...over,
  };
}
