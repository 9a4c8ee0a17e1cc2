import { createServer, type Server, type Socket } from 'node:net';
import { createSecureContext, TLSSocket, type SecureContext, type SecureContextOptions } from 'node:tls';
import { splitHostPort, type Config, type ListenerConfig } from '../config/index.js';
import { formatReply, Replies, type Mailbox } from '../core/index.js';
import type { RejectedEvent } from '../events/index.js';
import type { Logger } from '../log/index.js';
import type { StageChecks } from './policy/check-runner.js';
import { NetworkSet, unmapIpv4 } from './policy/networks.js';
import { ConnectionGate } from './connection-gate.js';
import { MemoryBudget } from './content-scanner.js';
import { Session } from './session.js';
import type { Intake } from '../intake/index.js';
import type { AuthenticatedUser, SessionContext } from './session-types.js';

export interface SmtpServerDeps {
  readonly config: Config;
  /** Certificate, key and protocol settings for STARTTLS and implicit TLS. */
  readonly tlsOptions: SecureContextOptions;
  readonly intake: Intake;
  readonly logger: Logger;
  /** The checks each listener role runs (DESIGN §9 Check). */
  readonly checks: Readonly<Record<ListenerConfig['role'], StageChecks>>;
  readonly authenticate: ((user: string, password: string) => Promise<AuthenticatedUser | undefined>) | undefined;
  /** Refusals, to the events (DESIGN §9 Event). */
  readonly onRejected: (event: RejectedEvent) => void;
}

/**
 * All SMTP listeners of this node, with the connection limits shared between
 * them: at most `limits.connectionsPerClient` from one IP (Postfix anvil),
 * answered `421 4.7.0` beyond; at most `limits.maxConnections` served in all,
 * beyond which connections wait for a slot (connection-gate.ts).
 */
export class SmtpServer {
  private readonly servers: Server[] = [];
  private readonly sessions = new Set<Session>();
  private readonly perClient = new Map<string, number>();
  private stopping = false;
  private readonly trustedNetworks: NetworkSet;
  private readonly secureContext: SecureContext;
  private readonly memoryBudget: MemoryBudget;
  private readonly postmaster: Mailbox | undefined;
  private readonly gate: ConnectionGate;
  /** Sessions per listener role: open now and served since start (metrics, `baton status`). */
  private readonly roleCounts = new Map<string, { open: number; total: number }>();

  constructor(private readonly deps: SmtpServerDeps) {
    this.trustedNetworks = new NetworkSet(deps.config.relay.trustedNetworks);
    this.secureContext = createSecureContext(deps.tlsOptions);
    this.memoryBudget = new MemoryBudget(deps.config.limits.messageMemory);
    const { maxConnections, connectionQueue, connectionQueueTimeout } = deps.config.limits;
    this.gate = new ConnectionGate({ max: maxConnections, queue: connectionQueue, queueTimeoutMs: connectionQueueTimeout });
    // RFC 5321 §4.5.1: "<Postmaster>" is the postmaster of our (first) own domain.
    const domain = deps.config.localDomains.find((d) => !d.startsWith('*.'));
    this.postmaster = domain ? { local: 'postmaster', domain } : undefined;
  }

  async listen(): Promise<void> {
    for (const listener of this.deps.config.listeners) {
      // Implicit TLS (submissions) is set up per connection in accept(), so a
      // connection counts against the limits from its first byte, handshake included.
      const server = createServer((s) => this.accept(s, listener));
      // Lots of short connections arrive in bursts; a deep backlog avoids SYN drops.
      const { host, port } = splitHostPort(listener.address) as { host: string; port: number };
      await new Promise<void>((resolve, reject) => {
        server.once('error', (err: NodeJS.ErrnoException) =>
          reject(new Error(`Cannot listen on ${listener.address} (${listener.role}): ${err.code ?? err.message}`)),
        );
        server.listen({ host, port, backlog: 1024 }, () => resolve());
      });
      this.servers.push(server);
      this.deps.logger.info({ address: listener.address, role: listener.role }, 'listening');
    }
  }

  /** Sessions per listener role: open now, and served since the process started. */
  connectionCounts(): { role: string; open: number; total: number }[] {
    return this.deps.config.listeners
      .map((l) => l.role)
      .filter((role, i, all) => all.indexOf(role) === i)
      .map((role) => ({ role, ...(this.roleCounts.get(role) ?? { open: 0, total: 0 }) }));
  }

  /** The address each listener is bound to (ports resolved). */
  addresses(): { address: string; port: number }[] {
    return this.servers.map((s) => s.address() as { address: string; port: number });
  }

  private accept(socket: Socket, listener: ListenerConfig): void {
    const ip = unmapIpv4(socket.remoteAddress ?? '');
    const { limits } = this.deps.config;
    const count = this.perClient.get(ip) ?? 0;
    // Trusted networks are exempt from the per-client limit, as in Postfix
    // (smtpd_client_event_limit_exceptions = $mynetworks): an application
    // server pushing mail through its local relay is not an attacker.
    const perClientFull = count >= limits.connectionsPerClient && !this.trustedNetworks.has(ip);
    if (this.stopping || perClientFull) return this.refuse(socket, ip, count);
    this.perClient.set(ip, count + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const n = (this.perClient.get(ip) ?? 1) - 1;
      if (n <= 0) this.perClient.delete(ip);
      else this.perClient.set(ip, n);
    };
    let admitted = false;
    let waited = false;
    const admit = () => {
      admitted = true;
      if (socket.destroyed) {
        // Left just as its turn came: give the slot straight back.
        release();
        this.gate.leave();
        return;
      }
      // A socket paused while waiting stays paused for a new 'data' listener:
      // resume now; the session attaches its listener before any data flows (next tick).
      if (waited) socket.resume();
      this.startSession(socket, listener, ip, release);
    };
    const entry = this.gate.enter(admit, () => {
      release();
      this.refuse(socket, ip, count);
    });
    switch (entry.kind) {
      case 'go':
        return admit();
      case 'full':
        release();
        return this.refuse(socket, ip, count);
      case 'wait':
        // Back-pressure: not greeted and not read until a slot frees (connection-gate.ts).
        waited = true;
        socket.pause();
        socket.on('error', () => {});
        socket.once('close', () => {
          if (admitted) return;
          entry.cancel();
          release();
        });
        this.deps.logger.info({ client: ip, ...this.gate.counts() }, 'connection waiting for a free slot (limits.maxConnections)');
    }
  }

  /** 421 and close: the server is stopping, or a connection limit is reached. */
  private refuse(socket: Socket, ip: string, count: number): void {
    this.deps.logger.info({ client: ip, count }, 'connection refused: limit reached');
    socket.on('error', () => {});
    // Read and discard what the client sent, so that closing with unread input
    // does not reset the connection before the 421 reaches it.
    socket.resume();
    socket.end(formatReply(this.stopping ? Replies.shuttingDown() : Replies.tooManyConnections()));
    setTimeout(() => socket.destroy(), 1000).unref();
  }

  private startSession(socket: Socket, listener: ListenerConfig, ip: string, release: () => void): void {
    const { limits } = this.deps.config;
    let counts = this.roleCounts.get(listener.role);
    if (!counts) this.roleCounts.set(listener.role, (counts = { open: 0, total: 0 }));
    counts.open++;
    counts.total++;
    const ctx: SessionContext = {
      hostname: this.deps.config.hostname,
      listener,
      limits,
      memoryBudget: this.memoryBudget,
      bareLineEndings: this.deps.config.smtp.bareLineEndings,
      secureContext: listener.role === 'submissions' ? undefined : this.secureContext,
      requireTls: this.deps.config.requireTls.advertise,
      trustedNetworks: this.trustedNetworks,
      checks: this.deps.checks[listener.role],
      postmaster: this.postmaster,
      onRejected: this.deps.onRejected,
      authenticate: this.deps.authenticate,
      intake: this.deps.intake,
      logger: this.deps.logger,
      isStopping: () => this.stopping,
      onClose: () => {
        counts.open--;
        this.sessions.delete(session);
        release();
        this.gate.leave();
      },
    };
    // RFC 8314 §3: on an implicit-TLS port the handshake comes first; the
    // greeting written now is sent once it completes, and the idle timeout
    // bounds a client that never finishes it.
    const session = new Session(listener.role === 'submissions' ? this.implicitTls(socket) : socket, ctx);
    this.sessions.add(session);
    session.start(limits.greetingDelay);
  }

  /**
   * The server side of an implicit-TLS connection (RFC 8314 §3). A client that
   * closes before finishing the handshake must end the session at once: the
   * greeting is already written (queued until the handshake), and with it
   * pending, Node answers the client's FIN with 'end' but never 'close', so the
   * socket would sit in CLOSE-WAIT, holding a connection slot and an fd, until
   * idleTimeout (5 min). Connecting and closing in a loop would fill
   * maxConnections with dead sockets. Found by bench/stress.mjs.
   */
  private implicitTls(socket: Socket): TLSSocket {
    const tlsSocket = new TLSSocket(socket, { isServer: true, secureContext: this.secureContext });
    let secure = false;
    tlsSocket.once('secure', () => {
      secure = true;
    });
    tlsSocket.once('end', () => {
      if (!secure) tlsSocket.destroy();
    });
    return tlsSocket;
  }

  /** Stop accepting; idle sessions get 421 now, busy ones finish their step first. */
  async close(graceMs = 5000): Promise<void> {
    this.stopping = true;
    this.gate.refuseWaiting();
    const closed = Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    for (const session of this.sessions) session.shutdown();
    const deadline = Date.now() + graceMs;
    while (this.sessions.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await Promise.race([closed, new Promise((r) => setTimeout(r, 100))]);
  }
}
