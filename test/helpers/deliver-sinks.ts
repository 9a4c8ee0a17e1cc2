import { freePorts } from './free-port.js';
import { startSmtpSink, type SmtpSinkHandle } from './smtp-sink.js';

/**
 * Several Postfix smtp-sinks on different loopback addresses sharing one port,
 * as MX delivery needs (Baton's `delivery.port` is one port for every MX host).
 * A port free on the first address may be taken on another: try a few.
 */
export async function startSinksOnOnePort(hosts: readonly string[], args: readonly string[] = []): Promise<{ port: number; sinks: SmtpSinkHandle[] }> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const [port] = await freePorts(1, hosts[0]);
    const sinks: SmtpSinkHandle[] = [];
    try {
      for (const host of hosts) sinks.push(await startSmtpSink({ host, port: port as number, args }));
      return { port: port as number, sinks };
    } catch (err) {
      lastError = err;
      await Promise.all(sinks.map((s) => s.stop()));
    }
  }
  throw new Error(`could not start smtp-sinks on ${hosts.join(', ')}: ${String(lastError)}`);
}
