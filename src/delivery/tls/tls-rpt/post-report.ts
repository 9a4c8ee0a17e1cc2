import { request } from 'node:https';

export interface PostOptions {
  readonly timeoutMs: number;
  /** Trust anchors (PEM): delivery.caFile's bundle (ca-bundle.ts) or a private CA; absent: Node's (and NODE_EXTRA_CA_CERTS). */
  readonly ca?: string | Buffer | readonly string[];
}

/**
 * POST one gzipped report to an https `rua` (RFC 8460 §5.2): Content-Type
 * application/tlsrpt+gzip, the certificate verified; any 2xx is success.
 * Rejects with a message an operator can act on.
 */
export function postReport(uri: string, body: Buffer, opts: PostOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      uri,
      {
        method: 'POST',
        headers: { 'content-type': 'application/tlsrpt+gzip', 'content-length': body.length },
        timeout: opts.timeoutMs,
        ...(opts.ca !== undefined ? { ca: opts.ca as string | Buffer | string[] } : {}),
      },
      (res) => {
        res.resume();
        res.once('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else reject(new Error(`${uri} answered HTTP ${status}`));
        });
        res.once('error', (err) => reject(new Error(`${uri}: ${err.message}`)));
      },
    );
    req.once('timeout', () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
    req.once('error', (err) => reject(new Error(`POST to ${uri} failed: ${err.message}`)));
    req.end(body);
  });
}
