import { TLSSocket } from 'node:tls';
import { formatReply, Replies, SmtpError, toWireReply, type SmtpReply } from '../core/index.js';
import { parseCommand, type Command } from './command-parser.js';
import { ContentScanner, type ContentProblem } from './content-scanner.js';
import { DataReader } from './data-reader.js';
import { ehloReply, saslAllowed } from './ehlo.js';
import { isLoopback, unmapIpv4 } from './policy/networks.js';
import { SaslExchange } from './sasl-exchange.js';
import type { AnySocket, AuthenticatedUser, SessionContext } from './session-types.js';
import { Transaction } from './transaction.js';

/**
 * One SMTP session (RFC 5321): reads command lines, message text and BDAT
 * chunks from the socket, and answers in order. The phase is a discriminated
 * union; input that arrives while an asynchronous step (AUTH check, enqueue)
 * runs waits in the buffer, so replies always keep the order of commands.
 */

/** RFC 5321 §4.5.3.1.4: 512 octets, plus room for ESMTP parameters (RFC 1869 §4.1.2). */
const MAX_COMMAND_LINE = 2048;
/** RFC 4954 §4: a SASL response line may be up to 12288 octets. */
const MAX_AUTH_LINE = 12288;
/** Unprocessed input kept while a step runs or replies wait to drain; reading pauses beyond it. */
const MAX_BUFFERED_INPUT = 256 * 1024;
/** Junk commands before each one counts as an error. Postfix: smtpd_junk_command_limit 100. */
const JUNK_LIMIT = 100;

type Phase =
  | { readonly kind: 'command' }
  | { readonly kind: 'skip-line' }
  | { readonly kind: 'auth'; readonly exchange: SaslExchange }
  | { readonly kind: 'data'; readonly reader: DataReader; readonly scanner: ContentScanner }
  | { readonly kind: 'bdat'; remaining: number; readonly last: boolean; readonly scanner: ContentScanner | undefined }
  | { readonly kind: 'tls-handshake' }
  | { readonly kind: 'closed' };

export class Session {
  private socket: AnySocket;
  private phase: Phase = { kind: 'command' };
  private input: Buffer = Buffer.alloc(0);
  private output = '';
  private busy = false;
  /** A timeout or server stop that arrived during an asynchronous step: acted on when it ends. */
  private pendingClose: SmtpReply | undefined;
  /** NOOP, RSET, VRFY, HELP so far (Postfix smtpd_junk_command_limit). */
  private junk = 0;
  private greeted = false;
  private errors = 0;
  private helo: { readonly name: string; readonly extended: boolean } | undefined;
  private user: AuthenticatedUser | undefined;
  private tx: Transaction | undefined;
  private sessionTimer: NodeJS.Timeout | undefined;
  private readonly clientIp: string;
  private readonly clientPort: number;
  private readonly trusted: boolean;

  constructor(
    socket: AnySocket,
    private readonly ctx: SessionContext,
  ) {
    this.socket = socket;
    this.clientIp = unmapIpv4(socket.remoteAddress ?? '');
    this.clientPort = socket.remotePort ?? 0;
    this.trusted = ctx.trustedNetworks.has(this.clientIp);
  }

  /** Send the greeting (after `greetingDelay`, if any) and start reading. */
  start(greetingDelayMs: number): void {
    this.attach(this.socket);
    this.sessionTimer = setTimeout(() => this.close(Replies.sessionTooLong()), this.ctx.limits.sessionTimeout);
    this.sessionTimer.unref();
    const greet = () => {
      if (this.phase.kind === 'closed') return;
      this.greeted = true;
      this.reply(Replies.greeting(this.ctx.hostname));
      this.flush();
    };
    if (greetingDelayMs > 0) setTimeout(greet, greetingDelayMs).unref();
    else greet();
  }

  /** Server shutdown: answer 421 and close (RFC 5321 §3.8). */
  shutdown(): void {
    if (this.busy) this.pendingClose = Replies.shuttingDown();
    else this.close(Replies.shuttingDown());
  }

  private attach(socket: AnySocket): void {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setTimeout(this.ctx.limits.idleTimeout);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('timeout', () => {
      // Never cut a client off while its message is being committed: it would
      // see 421 after we stored the message, and send it again.
      if (this.busy) this.pendingClose = Replies.idleTimeout();
      else this.close(Replies.idleTimeout());
    });
    socket.on('drain', () => this.pump());
    socket.on('error', (err) => {
      this.ctx.logger.debug({ client: this.clientIp, err: err.message }, 'connection error');
      this.destroy();
    });
    socket.on('close', () => this.destroy());
  }

  private onData(chunk: Buffer): void {
    if (this.phase.kind === 'closed' || this.phase.kind === 'tls-handshake') return;
    if (!this.greeted) {
      // A client that talks before the greeting is not a real MTA (Postfix postscreen "pregreet").
      this.ctx.logger.info({ client: this.clientIp }, 'client talked before the greeting; dropped');
      this.close(Replies.talkedTooSoon());
      return;
    }
    this.input = this.input.length === 0 ? chunk : Buffer.concat([this.input, chunk]);
    this.pump();
  }

  /** Process buffered input until it runs out or an asynchronous step starts. */
  private pump(): void {
    // A client that does not read its replies must not make us buffer them
    // without end: stop reading until the socket drains.
    while (!this.busy && this.input.length > 0 && !this.socket.writableNeedDrain) {
      const phase = this.phase;
      if (phase.kind === 'closed' || phase.kind === 'tls-handshake') break;
      if (phase.kind === 'data') this.readData(phase);
      else if (phase.kind === 'bdat') this.readBdat(phase);
      else if (!this.readLine(phase)) break;
    }
    this.flush();
    if (this.phase.kind === 'closed') return;
    if (this.busy || this.socket.writableNeedDrain || this.input.length > MAX_BUFFERED_INPUT) this.socket.pause();
    else this.socket.resume();
  }

  /** Take one CRLF-terminated line; returns false when no complete line is buffered. */
  private readLine(phase: Phase): boolean {
    const lf = this.input.indexOf(0x0a);
    const limit = phase.kind === 'auth' ? MAX_AUTH_LINE : MAX_COMMAND_LINE;
    if (lf < 0) {
      if (this.input.length > limit) {
        // Overlong line: answer once, then discard up to its end.
        this.input = Buffer.alloc(0);
        if (phase.kind !== 'skip-line') {
          this.phase = { kind: 'skip-line' };
          this.error(Replies.lineTooLong());
        }
      }
      return false;
    }
    const raw = this.input.subarray(0, lf);
    this.input = this.input.subarray(lf + 1);
    if (phase.kind === 'skip-line') {
      this.phase = { kind: 'command' };
      return true;
    }
    if (raw.length + 1 > limit) {
      this.error(Replies.lineTooLong());
      return true;
    }
    // RFC 5321 §2.3.8: lines end with CRLF; a bare LF is refused, not guessed at.
    if (raw[raw.length - 1] !== 0x0d || raw.indexOf(0) >= 0 || raw.subarray(0, -1).indexOf(0x0d) >= 0) {
      this.error(Replies.syntax());
      return true;
    }
    const line = raw.toString('utf8', 0, raw.length - 1);
    if (phase.kind === 'auth') this.continueAuth(phase.exchange, line);
    else this.command(line);
    return true;
  }

  private command(line: string): void {
    if (this.ctx.isStopping()) return this.close(Replies.shuttingDown());
    const parsed = parseCommand(line);
    if (!parsed.ok) return this.error(parsed.problem === 'unknown' ? Replies.unrecognized() : Replies.syntax());
    const cmd = parsed.command;
    if (this.input.length > 0 && !this.mayBePipelined(cmd)) {
      // RFC 2920 §3.1: without PIPELINING, the client must wait for each reply.
      this.ctx.logger.info({ client: this.clientIp, verb: cmd.verb }, 'improper command pipelining');
      return this.close(Replies.pipeliningNotAllowed());
    }
    this.dispatch(cmd);
  }

  private mayBePipelined(cmd: Command): boolean {
    if (cmd.verb === 'BDAT' || cmd.verb === 'STARTTLS' || cmd.verb === 'DATA') return true; // each has its own rule
    return this.helo?.extended === true;
  }

  private dispatch(cmd: Command): void {
    switch (cmd.verb) {
      case 'EHLO':
      case 'HELO':
        return this.hello(cmd.verb === 'EHLO', cmd.domain);
      case 'NOOP':
        return this.junkReply(Replies.noopOk());
      case 'QUIT':
        return this.close(Replies.bye());
      case 'HELP':
        return this.junkReply(Replies.help());
      case 'VRFY':
        return this.junkReply(Replies.vrfyCannot());
      case 'EXPN':
        return this.error(Replies.notImplemented());
      case 'RSET':
        this.tx = undefined;
        return this.junkReply(Replies.resetOk());
      case 'STARTTLS':
        return this.startTls();
      case 'AUTH':
        return this.startAuth(cmd.mechanism, cmd.initial);
      case 'MAIL':
        return this.mail(cmd.args);
      case 'RCPT':
        return this.rcpt(cmd.args);
      case 'DATA':
        return this.data();
      case 'BDAT':
        return this.bdat(cmd.size, cmd.last);
    }
  }

  /** Commands that move no mail: free up to a limit, then each counts as an error. */
  private junkReply(reply: SmtpReply): void {
    if (++this.junk > JUNK_LIMIT) this.error(reply);
    else this.reply(reply);
  }

  private hello(extended: boolean, name: string): void {
    // RFC 5321 §4.1.4: EHLO/HELO resets any transaction in progress.
    this.tx = undefined;
    this.helo = { name, extended };
    if (!extended) return this.reply({ code: 250, lines: [`${this.ctx.hostname} Hello ${name}`] });
    this.reply(
      ehloReply({
        hostname: this.ctx.hostname,
        heloName: name,
        clientIp: this.clientIp,
        maxSize: this.ctx.limits.messageSize,
        offerStartTls: this.ctx.secureContext !== undefined && !this.isSecure(),
        offerAuth: this.user === undefined && this.authAllowed(),
      }),
    );
  }

  private isSecure(): boolean {
    return this.socket instanceof TLSSocket && this.socket.encrypted;
  }

  private authAllowed(): boolean {
    return saslAllowed(this.ctx.authenticate !== undefined, this.isSecure(), this.ctx.listener.allowPlaintextAuth && isLoopback(this.clientIp));
  }

  private startTls(): void {
    const secureContext = this.ctx.secureContext;
    if (this.isSecure()) return this.error(Replies.alreadyTls());
    if (!secureContext) return this.error(Replies.tlsNotAvailable());
    if (!this.helo?.extended) return this.error(Replies.needHelo());
    // RFC 3207 §4: commands pipelined after STARTTLS are discarded (CVE-2011-0411).
    if (this.input.length > 0) {
      this.ctx.logger.info({ client: this.clientIp, bytes: this.input.length }, 'discarded input pipelined after STARTTLS');
      this.input = Buffer.alloc(0);
    }
    this.reply(Replies.readyForTls());
    this.flush();
    const raw = this.socket;
    raw.removeAllListeners('data');
    raw.removeAllListeners('timeout');
    this.phase = { kind: 'tls-handshake' };
    const secure = new TLSSocket(raw, { isServer: true, secureContext });
    secure.once('secure', () => {
      // RFC 3207 §4.2: forget everything learnt before TLS; the client must EHLO again.
      this.helo = undefined;
      this.tx = undefined;
      this.user = undefined;
      this.phase = { kind: 'command' };
    });
    this.attach(secure);
  }

  private startAuth(mechanism: string, initial: string | undefined): void {
    if (this.user) return this.error(Replies.alreadyAuthenticated());
    if (!this.helo?.extended) return this.error(Replies.needHelo());
    if (this.tx) return this.error(Replies.badSequence());
    if (!this.authAllowed()) {
      return this.error(this.ctx.authenticate ? Replies.encryptionRequiredForAuth() : Replies.notImplemented());
    }
    const exchange = SaslExchange.start(mechanism);
    if (!exchange) return this.error(Replies.mechanismUnknown());
    this.stepAuth(exchange, initial);
  }

  private continueAuth(exchange: SaslExchange, line: string): void {
    this.phase = { kind: 'command' };
    this.stepAuth(exchange, line);
  }

  private stepAuth(exchange: SaslExchange, response: string | undefined): void {
    const step = exchange.step(response);
    switch (step.kind) {
      case 'challenge':
        this.phase = { kind: 'auth', exchange };
        return this.reply(Replies.authChallenge(step.challenge));
      case 'cancelled':
        return this.error(Replies.authCancelled());
      case 'malformed':
        return this.error(Replies.syntax());
      case 'done': {
        const authenticate = this.ctx.authenticate;
        if (!authenticate) return this.error(Replies.notImplemented());
        this.runAsync(async () => {
          const user = await authenticate(step.credentials.user, step.credentials.password);
          if (!user) {
            this.ctx.logger.info({ client: this.clientIp, user: step.credentials.user }, 'authentication failed');
            return this.error(Replies.authFailed());
          }
          this.user = user;
          this.ctx.logger.info({ client: this.clientIp, user: user.name }, 'authenticated');
          this.reply(Replies.authOk());
        });
      }
    }
  }

  private mail(args: string): void {
    if (!this.helo) return this.error(Replies.needHelo());
    if (this.tx) return this.error(Replies.nestedMail());
    if (this.ctx.listener.role !== 'mx' && !this.user) {
      // RFC 6409 §4.3: submission requires authentication (after TLS, RFC 8314).
      return this.error(this.isSecure() || this.authAllowed() ? Replies.authRequired() : Replies.tlsRequired());
    }
    const result = Transaction.begin(args, {
      maxSize: this.ctx.limits.messageSize,
      user: this.user,
    });
    if (!result.ok) return this.error(result.reply);
    this.tx = result.tx;
    this.reply(Replies.senderOk());
  }

  private rcpt(args: string): void {
    const tx = this.tx;
    if (!tx) return this.error(Replies.needMail());
    if (tx.chunking) return this.error(Replies.badSequence());
    const reply = tx.addRecipient(args, {
      standing: { authenticated: this.user !== undefined, trusted: this.trusted },
      domains: this.ctx.domains,
      maxRecipients: this.ctx.limits.recipientsPerMessage,
      isKnownLocalRecipient: this.ctx.isKnownLocalRecipient,
    });
    if (reply.code >= 400) {
      this.ctx.logger.info({ client: this.clientIp, rcpt: args.slice(0, 300), code: reply.code }, 'recipient rejected');
      return this.error(reply);
    }
    this.reply(reply);
  }

  private data(): void {
    const tx = this.tx;
    if (!tx) return this.error(Replies.needMail());
    if (tx.chunking) return this.error(Replies.badChunkingMix());
    if (tx.recipients.length === 0) return this.error(Replies.needRcpt());
    if (this.input.length > 0) {
      // RFC 2920 §3.1: message text must wait for the 354; text sent early is refused.
      this.ctx.logger.info({ client: this.clientIp }, 'message text sent before the 354 reply');
      return this.close(Replies.dataBeforeGoAhead());
    }
    const scanner = this.newScanner(tx);
    this.phase = { kind: 'data', reader: new DataReader(scanner), scanner };
    this.reply(Replies.startData());
  }

  private newScanner(tx: Transaction): ContentScanner {
    return new ContentScanner({
      maxSize: this.ctx.limits.messageSize,
      maxLine: this.ctx.limits.lineLength,
      normalizeBareLineEndings: this.ctx.bareLineEndings === 'normalize',
      allow8bit: tx.params.body === '8BITMIME' || tx.params.smtputf8 === true,
      budget: this.ctx.memoryBudget,
    });
  }

  private readData(phase: Extract<Phase, { kind: 'data' }>): void {
    const result = phase.reader.feed(this.input);
    if (!result.done) {
      this.input = Buffer.alloc(0);
      return;
    }
    this.input = this.input.subarray(result.consumed);
    this.phase = { kind: 'command' };
    if ('smuggling' in result) {
      // The client's end of data is one another server may read differently: we
      // cannot know where its next command starts, so answer and hang up.
      this.ctx.logger.warn({ client: this.clientIp }, 'non-standard end of data (possible SMTP smuggling)');
      this.tx = undefined;
      return this.close(Replies.bareLineEnding());
    }
    this.finishMessage(phase.scanner);
  }

  private bdat(size: number, last: boolean): void {
    // RFC 3030 §2: the chunk is read whatever the verdict, so it is never taken as commands.
    const tx = this.tx;
    let scanner: ContentScanner | undefined;
    let refusal: SmtpReply | undefined;
    if (!tx) refusal = Replies.needMail();
    else if (tx.recipients.length === 0) refusal = Replies.needRcpt();
    else scanner = tx.chunking ?? (tx.chunking = this.newScanner(tx));
    if (refusal) {
      this.error(refusal);
      if (this.phase.kind === 'closed') return;
    }
    this.phase = { kind: 'bdat', remaining: size, last, scanner };
    if (size === 0) this.endChunk(this.phase);
  }

  private readBdat(phase: Extract<Phase, { kind: 'bdat' }>): void {
    const take = Math.min(phase.remaining, this.input.length);
    phase.scanner?.push(this.input.subarray(0, take));
    this.input = this.input.subarray(take);
    phase.remaining -= take;
    if (phase.remaining === 0) this.endChunk(phase);
  }

  private endChunk(phase: Extract<Phase, { kind: 'bdat' }>): void {
    this.phase = { kind: 'command' };
    const scanner = phase.scanner;
    if (!scanner) return; // refused at the BDAT command
    if (!phase.last) {
      if (scanner.problem === undefined) return this.reply(Replies.chunkOk(scanner.size));
      // RFC 3030 §4.2: a failed chunk fails the transaction.
      this.tx = undefined;
      return this.error(problemReply(scanner.problem));
    }
    this.finishMessage(scanner);
  }

  private finishMessage(scanner: ContentScanner): void {
    const tx = this.tx;
    this.tx = undefined;
    const content = scanner.finish();
    if (!tx) return;
    if (!content.ok) {
      this.ctx.logger.info({ client: this.clientIp, problem: content.problem }, 'message refused');
      return this.error(problemReply(content.problem));
    }
    this.runAsync(async () => {
      const id = await this.ctx.intake.submit(
        tx.toSubmission(content.message, {
          kind: 'smtp',
          listener: this.ctx.listener.address,
          clientIp: this.clientIp,
          clientPort: this.clientPort,
          helo: this.helo?.name ?? '',
          ...(this.user ? { user: this.user.name } : {}),
          ...(this.tlsInfo() ?? {}),
          esmtp: this.helo?.extended === true,
        }, this.ctx.listener.role !== 'mx' || this.user !== undefined),
      );
      this.reply(Replies.queued(id));
    });
  }

  private tlsInfo(): { tls: { protocol: string; cipher: string } } | undefined {
    if (!(this.socket instanceof TLSSocket) || !this.socket.encrypted) return undefined;
    return { tls: { protocol: this.socket.getProtocol() ?? '', cipher: this.socket.getCipher()?.name ?? '' } };
  }

  /** Run an asynchronous step; input waits, and an unexpected error becomes 451 4.3.0. */
  private runAsync(step: () => Promise<void>): void {
    this.busy = true;
    step()
      .catch((err: unknown) => {
        if (err instanceof SmtpError) this.ctx.logger.info({ client: this.clientIp, source: err.source, reason: err.message }, 'message refused');
        else this.ctx.logger.error({ client: this.clientIp, err }, 'session step failed');
        this.error(toWireReply(err));
      })
      .finally(() => {
        this.busy = false;
        if (this.phase.kind === 'closed') return;
        const pending = this.pendingClose ?? (this.ctx.isStopping() ? Replies.shuttingDown() : undefined);
        if (pending) return this.close(pending);
        this.pump();
      });
  }

  private reply(reply: SmtpReply): void {
    this.output += formatReply(reply);
  }

  /** A refusal: counts towards the error limit (Postfix smtpd_hard_error_limit). */
  private error(reply: SmtpReply): void {
    this.reply(reply);
    if (++this.errors >= this.ctx.limits.errorsBeforeDisconnect) this.close(Replies.tooManyErrors());
  }

  private flush(): void {
    if (this.output === '' || this.socket.destroyed) return;
    this.socket.write(this.output);
    this.output = '';
  }

  /** Send a last reply and close; input after this is ignored. */
  private close(last: SmtpReply): void {
    if (this.phase.kind === 'closed') return;
    this.reply(last);
    this.flush();
    this.releaseContent();
    this.phase = { kind: 'closed' };
    this.input = Buffer.alloc(0);
    this.socket.end();
    // A client that never closes its side is cut off.
    setTimeout(() => this.socket.destroy(), 2000).unref();
    this.finish();
  }

  private destroy(): void {
    this.releaseContent();
    this.phase = { kind: 'closed' };
    this.socket.destroy();
    this.finish();
  }

  /** Content of an unfinished message goes back to the shared memory budget. */
  private releaseContent(): void {
    if (this.phase.kind === 'data') this.phase.scanner.release();
    if (this.phase.kind === 'bdat') this.phase.scanner?.release();
    this.tx?.chunking?.release();
  }

  private finished = false;
  private finish(): void {
    if (this.finished) return;
    this.finished = true;

    clearTimeout(this.sessionTimer);
    this.ctx.onClose();
  }
}

function problemReply(problem: ContentProblem): SmtpReply {
  switch (problem) {
    case 'too-big':
      return Replies.messageTooBig();
    case 'line-too-long':
      return Replies.dataLineTooLong();
    case 'bare-line-ending':
      return Replies.bareLineEnding();
    case 'nul':
      return Replies.nulInData();
    case 'eight-bit':
      return Replies.eightBitWithoutMime();
    case 'no-memory':
      return Replies.insufficientStorage();
  }
}
