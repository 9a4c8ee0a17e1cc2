import { createTransport } from 'nodemailer';

/**
 * Test mail for the API e2e tests, sent with nodemailer (a real SMTP client,
 * in process: no process spawn per message on a loaded machine) from a
 * trusted loopback client. Returns the queue id from "queued as ID".
 */
export async function sendMail(port: number, from: string, to: readonly string[], subject: string): Promise<string> {
  const transport = createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  try {
    const info = await transport.sendMail({
      envelope: { from, to: [...to] },
      raw: `From: ${from}\r\nTo: ${to.join(', ')}\r\nSubject: ${subject}\r\nMessage-ID: <${Math.random().toString(36).slice(2)}@client.test>\r\n\r\nHello.\r\n`,
    });
    const id = /queued as ([0-9A-Z]{20})/.exec(String(info.response))?.[1];
    if (!id) throw new Error(`no queue id in ${String(info.response)}`);
    return id;
  } finally {
    transport.close();
  }
}
