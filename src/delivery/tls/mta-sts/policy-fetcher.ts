import { request } from 'node:https';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import type { DnsResolver } from '../../../dns/index.js';

/**
 * Fetches `https://mta-sts.<domain>/.well-known/mta-sts.txt` the way RFC 8461
 * §3.3 demands: HTTPS with a certificate valid for that name (WebPKI, plus the
 * operator's `delivery.caFile`), no redirects followed, a 2xx status, a
 * text/plain body, bounded in size and time. The host is resolved with
 * Baton's own resolver (config `dns.servers`), like the MX hosts.
 */
export interface PolicyFetchOptions {
  readonly resolver: DnsResolver;
  /** 443 in production (§3.3); tests use another (delivery.mtaSts.policyPort). */
  readonly port: number;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  /** Trust anchors: undefined for Node's bundled roots; else roots plus caFile. */
  readonly ca?: readonly string[];
}

export type PolicyFetchResult =
  | { readonly ok: true; readonly text: string }
  /** `resultType`: RFC 8460 §4.3.2.2 (sts-policy-fetch-error, sts-webpki-invalid). */
  | { readonly ok: false; readonly reason: string; readonly resultType: 'sts-policy-fetch-error' | 'sts-webpki-invalid' };

export type PolicyFetcher = (domain: string) => Promise<PolicyFetchResult>;

const PATH = '/.well-known/mta-sts.txt';

export function httpsPolicyFetcher(opts: PolicyFetchOptions): PolicyFetcher {
  return async (domain) => {
    const host = `mta-sts.${domain}`;
    const addrs = await opts.resolver.resolveAddresses(host);
    if (!addrs.ok) return fetchError(`${host}: DNS ${addrs.error.kind} (${addrs.error.code})`);
    const first = addrs.value[0];
    if (!first) return fetchError(`${host}: no address`);
    return get(host, first.address, opts);
  };
}

function fetchError(reason: string): PolicyFetchResult {
  return { ok: false, reason, resultType: 'sts-policy-fetch-error' };
}

function get(host: string, ip: string, opts: PolicyFetchOptions): Promise<PolicyFetchResult> {
  const url = `https://${host}${opts.port === 443 ? '' : `:${opts.port}`}${PATH}`;
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: PolicyFetchResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(r);
    };
    const req = request({
      host: ip,
      port: opts.port,
      path: PATH,
      method: 'GET',
      servername: host,
      headers: { host: opts.port === 443 ? host : `${host}:${opts.port}`, accept: 'text/plain', 'user-agent': 'Baton MTA-STS' },
      // The certificate must be valid for mta-sts.<domain> (§3.3), whatever address we dialled.
      checkServerIdentity: (_name: string, cert: PeerCertificate) => checkServerIdentity(host, cert),
      rejectUnauthorized: true,
      ...(opts.ca ? { ca: [...opts.ca] } : {}),
      agent: false,
    });
    const timer = setTimeout(() => done(fetchError(`${url}: no complete answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => {
      const tlsProblem = err.code !== undefined && /CERT|SELF_SIGNED|UNABLE_TO|ERR_TLS_CERT|HOSTNAME|ALTNAME/.test(err.code);
      done(tlsProblem ? { ok: false, reason: `${url}: certificate not valid: ${err.message}`, resultType: 'sts-webpki-invalid' } : fetchError(`${url}: ${err.message}`));
    });
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      // §3.3: "Senders MUST NOT follow HTTP redirects"; anything but 2xx is no policy.
      if (status < 200 || status > 299) return done(fetchError(`${url}: HTTP ${status}${status >= 300 && status < 400 ? ' (redirects are not followed, RFC 8461 §3.3)' : ''}`));
      const type = String(res.headers['content-type'] ?? '');
      if (!/^text\/plain\s*(;|$)/i.test(type)) return done(fetchError(`${url}: Content-Type "${type}" is not text/plain`));
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > opts.maxBytes) return done(fetchError(`${url}: policy larger than ${opts.maxBytes} bytes`));
        chunks.push(chunk);
      });
      res.on('end', () => done({ ok: true, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (err) => done(fetchError(`${url}: ${err.message}`)));
    });
    req.end();
  });
}
