import { isIPv6 } from 'node:net';
import { fieldRanges, formatMailbox, headerEnd } from '../../../core/index.js';
import type { StageInputs } from '../check.js';
import type { MilterTransaction } from './conversation.js';

/**
 * The content stage's inputs as a milter transaction. The macros are the ones
 * Postfix sends by default (MILTER_README "Macros"), less what Baton does not
 * know at this point: `i` (the queue id is made only when the message is
 * committed, after the checks; left out, as Postfix does before its queue
 * file exists), `{tls_version}` and `{cipher}` (the session knows only that
 * TLS is on; `{tls_version}` is sent as "TLS" then), and `{client_name}` is
 * the address in brackets (no reverse lookup is made for this).
 */
export function milterTransaction(input: StageInputs['content'], hostname: string): MilterTransaction {
  const { session, sender, params, recipients, message } = input;
  const clientName = `[${session.clientIp}]`;
  const mailAddr = bytes(sender ? formatMailbox(sender) : '');
  const mailParams = [...(params.body ? [`BODY=${params.body}`] : []), ...(params.smtputf8 ? ['SMTPUTF8'] : []), ...(params.size !== undefined ? [`SIZE=${params.size}`] : [])];
  const split = headerEnd(message);
  return {
    macros: {
      C: [['j', hostname], ['{daemon_name}', hostname], ['_', `${clientName} [${session.clientIp}]`], ['{client_addr}', session.clientIp], ['{client_name}', clientName], ['{client_port}', String(session.clientPort)]],
      H: session.tls ? [['{tls_version}', 'TLS']] : [],
      M: [['{mail_addr}', mailAddr], ...(session.user ? [['{auth_type}', 'PLAIN'], ['{auth_authen}', bytes(session.user.name)]] as [string, string][] : [])],
      R: [],
      E: [],
    },
    client: { name: clientName, family: isIPv6(session.clientIp) ? '6' : '4', port: session.clientPort, address: session.clientIp },
    ...(session.helo ? { helo: bytes(session.helo.name) } : {}),
    mail: [`<${mailAddr}>`, ...mailParams],
    rcpts: recipients.map((r) => [`<${bytes(formatMailbox(r.address))}>`]),
    headers: fieldRanges(message)
      .filter((f) => f.valueStart > f.start)
      .map((f) => {
        const name = message.toString('latin1', f.start, f.valueStart - 1).trimEnd();
        // Without SMFIP_HDR_LEADSPC the value goes without its leading white space, folds as LF (Sendmail's form).
        const value = message.toString('latin1', f.valueStart, f.end).replace(/\r\n$/, '').replace(/^[ \t]+/, '').replace(/\r\n/g, '\n');
        return [name, value] as const;
      }),
    body: message.subarray(split === message.length ? split : split + 2),
  };
}

/** Strings go on the wire as latin1 (codec.ts), so UTF-8 text (SMTPUTF8 addresses) is turned into its bytes first. */
function bytes(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}
