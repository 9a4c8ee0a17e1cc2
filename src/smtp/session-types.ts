import type { TLSSocket, SecureContext } from 'node:tls';
import type { Socket } from 'node:net';
import type { Mailbox, Stream } from '../core/index.js';
import type { RejectedEvent } from '../events/index.js';
import type { Intake } from '../intake/index.js';
import type { Config, ListenerConfig } from '../config/index.js';
import type { Logger } from '../log/index.js';
import type { MemoryBudget } from './content-scanner.js';
import type { StageChecks } from './policy/check-runner.js';
import type { NetworkSet } from './policy/networks.js';
import type { UserLimits } from '../users/index.js';

export interface AuthenticatedUser {
  readonly name: string;
  readonly domains: readonly string[];
  /** As read at login (the users store): the sending limits the quota checks enforce, and the stream of the user's mail unless a message names one. */
  readonly settings?: { readonly limits?: UserLimits; readonly stream?: Stream };
}

export interface SessionContext {
  readonly hostname: string;
  readonly listener: ListenerConfig;
  readonly limits: Config['limits'];
  /** Message content in memory, all sessions together. */
  readonly memoryBudget: MemoryBudget;
  readonly bareLineEndings: 'reject' | 'normalize';
  /** For STARTTLS; absent on implicit-TLS listeners once secure, or when TLS is off. */
  readonly secureContext: SecureContext | undefined;
  /** `requireTls.advertise`: REQUIRETLS (RFC 8689) is offered to sessions on TLS. */
  readonly requireTls?: boolean;
  readonly trustedNetworks: NetworkSet;
  /** The checks of this listener's role (DESIGN §9 Check). */
  readonly checks: StageChecks;
  /** What `<Postmaster>` without a domain stands for (RFC 5321 §4.5.1); none without a local domain. */
  readonly postmaster: Mailbox | undefined;
  /** A refused MAIL, RCPT or message: written to the events (never waited for). */
  readonly onRejected: (event: RejectedEvent) => void;
  /** Undefined when no user store is configured (AUTH is then not offered). */
  readonly authenticate: ((user: string, password: string) => Promise<AuthenticatedUser | undefined>) | undefined;
  readonly intake: Intake;
  readonly logger: Logger;
  /** Called once when the session ends (connection accounting). */
  readonly onClose: () => void;
  /** True while the server is stopping: new commands get 421. */
  readonly isStopping: () => boolean;
}

export type AnySocket = Socket | TLSSocket;
