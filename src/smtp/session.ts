import { TLSSocket } from 'node:tls';
import { formatMailbox, Replies, type HeaderEdits, type SmtpReply } from '../core/index.js';
import type { RejectedEvent } from '../events/index.js';
import { parseCommand, type Command } from './command-parser.js';
import { ContentScanner, type ContentProblem } from './content-scanner.js';
import { DataReader } from './data-reader.js';
import { ehloReply, saslAllowed } from './ehlo.js';
import type { RequireTlsState } from './mail-params.js';
import type { CheckStage, SessionFacts, StageInputs } from './policy/check.js';
import type { StageHold, StageOutcome } from './policy/check-runner.js';
import { PREGREET_CHECK } from './policy/checks/pregreet.js';
import { isLoopback } from './policy/networks.js';
import { SaslExchange } from './sasl-exchange.js';
import { SessionIo, type Phase } from './session-io.js';
import type { AnySocket, AuthenticatedUser, SessionContext } from './session-types.js';
import { Transaction } from './transaction.js';

const NO_EDITS: readonly HeaderEdits[] = [];

/** Junk commands before each one counts as an error. Postfix: smtpd_junk_command_limit 100. */
const JUNK_LIMIT = 100;
/** Before answering a failed AUTH (Postfix sleeps smtpd_error_sleep_time, 1s, on errors). */
const AUTH_FAILURE_DELAY_MS = 1000;

/**
 * One SMTP session (RFC 5321), the protocol half: what each command line,
 * message text and BDAT chunk means in the current state. The phase is a
 * discriminated union (session-io.ts); the socket side lives in SessionIo.
 * Policy is not decided here: at each stage the session asks its listener's
 * checks (DESIGN §9 Check) and acts on the outcome.
 */
export class Session extends SessionIo {
  /** NOOP, RSET, VRFY, HELP so far (Postfix smtpd_junk_command_limit). */
  private junk = 0;
  private helo: { readonly name: string; readonly extended: boolean } | undefined;
  private user: AuthenticatedUser | undefined;
  private readonly trusted: boolean;
  /** The session facts the checks see (facts()); undefined when they changed. */
  private known: SessionFacts | undefined;

  constructor(socket: AnySocket, ctx: SessionContext) {
    super(socket, ctx);
    this.trusted = ctx.trustedNetworks.has(this.clientIp);
  }

  /** The connect stage's checks, then the 220 greeting, or their refusal (recorded) and close. */
  protected greet(): void {
    this.checked('connect', () => ({ session: this.facts() }), () => this.sendGreeting(), (reply, check) => {
      this.record('connect', reply, { check });
      this.close(reply);
    });
  }

  /** Input before the greeting: postscreen's pregreet verdict (RFC 5321 §4.3.2: the client must wait for the 220). */
  protected talkedTooSoon(): void {
    const reply = Replies.talkedTooSoon();
    this.record('connect', reply, { check: PREGREET_CHECK });
    this.close(reply);
  }

  /** What the checks know of this session now; made again only when it changes (HELO, AUTH, STARTTLS). */
  private facts(): SessionFacts {
    this.known ??= {
      clientIp: this.clientIp,
      clientPort: this.clientPort,
      listener: this.ctx.listener,
      trusted: this.trusted,
      tls: this.isSecure(),
      ...(this.helo ? { helo: this.helo } : {}),
      ...(this.user ? { user: this.user } : {}),
    };
    return this.known;
  }

  /**
   * Run one stage's checks, then `pass` or `refuse`. Synchronous checks answer
   * at once; an asynchronous one holds the input (runAsync) so replies keep
   * the order of commands. With no check at the stage, no input is built.
   */
  private checked<S extends CheckStage>(
    stage: S,
    input: () => StageInputs[S],
    pass: (edits: readonly HeaderEdits[], hold?: StageHold) => void,
    refuse: (reply: SmtpReply, check: string) => void,
  ): void {
    if (!this.ctx.checks.has(stage)) return pass(NO_EDITS);
    const act = (o: StageOutcome) => (o.kind === 'pass' ? pass(o.edits, o.hold) : refuse(o.reply, o.check));
    const outcome = this.ctx.checks.run(stage, input());
    if (outcome instanceof Promise) this.runAsync(async () => act(await outcome));
    else act(outcome);
  }

  /**
   * Answer a refusal (it counts as an error) and record it as an event. A 421
   * closes the session: RFC 5321 §3.8, the server closes after sending it
   * (a rate limit at MAIL, a login block that the client keeps knocking at).
   */
  private refuse(stage: RejectedEvent['stage'], reply: SmtpReply, about: { check?: string; recipient?: string } = {}): void {
    this.record(stage, reply, about);
    if (reply.code === 421) this.close(reply);
    else this.error(reply);
  }

  private record(stage: RejectedEvent['stage'], reply: SmtpReply, about: { check?: string; recipient?: string }): void {
    this.ctx.onRejected({
      type: 'rejected',
      at: Date.now(),
      stage,
      reply,
      clientIp: this.clientIp,
      ...(about.check ? { check: about.check } : {}),
      ...(this.tx ? { sender: formatMailbox(this.tx.mailFrom) } : {}),
      ...(about.recipient ? { recipient: about.recipient } : {}),
    });
  }

  protected onLine(phase: Phase, line: string): void {
    if (phase.kind === 'auth') this.continueAuth(phase.exchange, line);
    else this.command(line);
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
    const helo = { name, extended };
    this.checked('helo', () => ({ session: this.facts(), helo }), () => this.acceptHello(helo), (reply, check) => this.refuse('helo', reply, { check }));
  }

  private acceptHello(helo: { readonly name: string; readonly extended: boolean }): void {
    const { name, extended } = helo;
    this.helo = helo;
    this.known = undefined;
    if (!extended) return this.reply({ code: 250, lines: [`${this.ctx.hostname} Hello ${name}`] });
    this.reply(
      ehloReply({
        hostname: this.ctx.hostname,
        heloName: name,
        clientIp: this.clientIp,
        maxSize: this.ctx.limits.messageSize,
        offerStartTls: this.ctx.secureContext !== undefined && !this.isSecure(),
        offerAuth: this.user === undefined && this.authAllowed(),
        offerRequireTls: this.requireTlsState() === 'offered',
      }),
    );
  }

  /** RFC 8689 §3: REQUIRETLS is offered and taken only on TLS, where the config allows it. */
  private requireTlsState(): RequireTlsState {
    if (this.ctx.requireTls !== true) return 'off';
    return this.isSecure() ? 'offered' : 'needs-tls';
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
      this.known = undefined;
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
        const login = step.credentials.user;
        this.runAsync(async () => {
          const user = await authenticate(login, step.credentials.password);
          if (this.ctx.checks.has('auth')) {
            const outcome = await this.ctx.checks.run('auth', { session: this.facts(), login, user });
            if (outcome.kind === 'refuse') return this.refuse('auth', outcome.reply, { check: outcome.check });
          }
          if (!user) {
            // Slow down password guessing: each failure costs the client a second.
            await new Promise((resolve) => setTimeout(resolve, AUTH_FAILURE_DELAY_MS));
            this.ctx.logger.info({ client: this.clientIp, user: login }, 'authentication failed');
            return this.error(Replies.authFailed());
          }
          this.user = user;
          this.known = undefined;
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
    const result = Transaction.begin(args, { maxSize: this.ctx.limits.messageSize, requireTls: this.requireTlsState() });
    if (!result.ok) return this.refuse('mail', result.reply);
    const tx = result.tx;
    this.checked(
      'mail',
      () => ({ session: this.facts(), sender: tx.mailFrom, params: tx.params }),
      () => {
        this.tx = tx;
        this.reply(Replies.senderOk());
      },
      (reply, check) => this.refuse('mail', reply, { check }),
    );
  }

  private rcpt(args: string): void {
    const tx = this.tx;
    if (!tx) return this.error(Replies.needMail());
    if (tx.chunking) return this.error(Replies.badSequence());
    const parsed = tx.parseRecipient(args, this.ctx.postmaster);
    if (!parsed.ok) return this.refuse('rcpt', parsed.reply, { recipient: args.slice(0, 300) });
    const recipient = parsed.recipient;
    this.checked(
      'rcpt',
      () => ({ session: this.facts(), sender: tx.mailFrom, params: tx.params, recipient, accepted: tx.recipients }),
      // RFC 5321 §4.5.3.1.10: 452 for recipients past the limit is flow
      // control, not an error: the client sends them in another transaction,
      // so it must not count toward errorsBeforeDisconnect.
      () => this.reply(tx.add(recipient, this.ctx.limits.recipientsPerMessage)),
      (reply, check) => this.refuse('rcpt', reply, { check, recipient: formatMailbox(recipient.address) }),
    );
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
    const scanner = this.newScanner();
    this.phase = { kind: 'data', reader: new DataReader(scanner), scanner };
    this.reply(Replies.startData());
  }

  private newScanner(): ContentScanner {
    return new ContentScanner({
      maxSize: this.ctx.limits.messageSize,
      maxLine: this.ctx.limits.lineLength,
      normalizeBareLineEndings: this.ctx.bareLineEndings === 'normalize',
      budget: this.ctx.memoryBudget,
    });
  }

  protected readData(phase: Extract<Phase, { kind: 'data' }>): void {
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
    else scanner = tx.chunking ?? (tx.chunking = this.newScanner());
    if (refusal) {
      this.error(refusal);
      if (this.phase.kind === 'closed') return;
    }
    this.phase = { kind: 'bdat', remaining: size, last, scanner };
    if (size === 0) this.endChunk(this.phase);
  }

  protected readBdat(phase: Extract<Phase, { kind: 'bdat' }>): void {
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
    const content = scanner.finish();
    if (!tx) return;
    if (!content.ok) {
      this.refuse('data', problemReply(content.problem));
      this.tx = undefined;
      return;
    }
    this.checked(
      'content',
      () => ({ session: this.facts(), sender: tx.mailFrom, params: tx.params, recipients: tx.recipients, message: content.message, facts: content.facts }),
      (edits, hold) => {
        this.tx = undefined;
        this.enqueue(tx, content.message, edits, hold);
      },
      (reply, check) => {
        this.refuse('data', reply, { check });
        this.tx = undefined;
      },
    );
  }

  private enqueue(tx: Transaction, message: Buffer, edits: readonly HeaderEdits[], hold: StageHold | undefined): void {
    const origin = {
      kind: 'smtp' as const,
      listener: this.ctx.listener.address,
      clientIp: this.clientIp,
      clientPort: this.clientPort,
      helo: this.helo?.name ?? '',
      ...(this.user ? { user: this.user.name } : {}),
      ...(this.tlsInfo() ?? {}),
      esmtp: this.helo?.extended === true,
      // The user's stream; intake may change it from X-Baton-Stream (intake/stream.ts).
      ...(this.user?.settings?.stream === 'bulk' ? { stream: 'bulk' as const } : {}),
    };
    const isSubmission = this.ctx.listener.role !== 'mx' || this.user !== undefined;
    this.runAsync(async () => {
      const submission = tx.toSubmission(message, origin, isSubmission, edits, hold);
      const id = await this.ctx.intake.submit({ ...submission, mayChooseStream: this.user !== undefined || this.trusted });
      this.reply(Replies.queued(id));
    });
  }

  private tlsInfo(): { tls: { protocol: string; cipher: string } } | undefined {
    if (!(this.socket instanceof TLSSocket) || !this.socket.encrypted) return undefined;
    return { tls: { protocol: this.socket.getProtocol() ?? '', cipher: this.socket.getCipher()?.name ?? '' } };
  }
}

function problemReply(problem: ContentProblem): SmtpReply {
  switch (problem) {
    case 'too-big':
      return Replies.messageTooBig();
    case 'bare-line-ending':
      return Replies.bareLineEnding();
    case 'no-memory':
      return Replies.insufficientStorage();
  }
}
