import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBaton, type Baton, type StartOptions } from './baton.js';

/**
 * E2E helpers for the HTTP API: a real Baton with the API on a free port, keys
 * made by the real CLI, and requests with the real curl binary (`curl`) or
 * node's fetch (`apiFetch`).
 */

export interface HttpResult {
  readonly status: number;
  /** Lower-case names; the last value of a repeated header. */
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string;
  /** The body parsed as JSON when it is JSON (application/json, application/problem+json), else undefined. */
  readonly body: any;
}

export interface KeyOptions {
  readonly scopes?: readonly string[];
  readonly domains?: readonly string[];
  readonly stream?: string;
}

export interface RequestOptions {
  readonly method?: string;
  /** The bearer key; null: no Authorization header. Default: the API's admin key. */
  readonly key?: string | null;
  /** Sent as application/json. */
  readonly json?: unknown;
  /** Sent as it is (set content-type in `headers`). */
  readonly data?: string | Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ApiBaton {
  readonly baton: Baton;
  /** "http://127.0.0.1:PORT" */
  readonly url: string;
  /** A key with every scope (send, read, admin), made at start. */
  readonly adminKey: string;
  /** `baton apikey create NAME ...` through the CLI; returns the printed key. */
  createKey(name: string, opts?: KeyOptions): Promise<string>;
  /** curl with these options against `url + path`. */
  curl(path: string, opts?: RequestOptions & { readonly args?: readonly string[] }): Promise<HttpResult>;
  apiFetch(path: string, opts?: RequestOptions): Promise<HttpResult>;
  stop(): Promise<number | null>;
}

/** Start Baton with the API on (plus whatever `opts.config` says) and create an admin key. */
export async function startApiBaton(opts: Partial<StartOptions> = {}): Promise<ApiBaton> {
  const baton = await startBaton({ config: {}, ...opts, api: opts.api ?? true });
  const url = baton.apiUrl as string;
  const createKey = async (name: string, k: KeyOptions = {}): Promise<string> => {
    const args = ['apikey', 'create', name, '--scopes', (k.scopes ?? ['send']).join(',')];
    if (k.domains) args.push('--domains', k.domains.join(','));
    if (k.stream) args.push('--stream', k.stream);
    const r = await baton.cli(args);
    if (r.code !== 0) throw new Error(`baton apikey create ${name} failed (${r.code}): ${r.stderr}`);
    return r.stdout.trim();
  };
  let adminKey: string;
  try {
    adminKey = await createKey('test-admin', { scopes: ['send', 'read', 'admin'] });
  } catch (err) {
    await baton.stop().catch(() => undefined);
    throw err;
  }
  const keyOf = (o: RequestOptions) => (o.key === undefined ? adminKey : o.key);
  return {
    baton,
    url,
    adminKey,
    createKey,
    curl: (path, o = {}) => {
      const args: string[] = ['-X', o.method ?? (o.json !== undefined || o.data !== undefined ? 'POST' : 'GET')];
      const key = keyOf(o);
      if (key !== null) args.push('-H', `Authorization: Bearer ${key}`);
      for (const [name, value] of Object.entries(o.headers ?? {})) args.push('-H', `${name}: ${value}`);
      if (o.json !== undefined) args.push('-H', 'Content-Type: application/json', '--data-binary', JSON.stringify(o.json));
      if (o.data !== undefined) args.push('--data-binary', '@-');
      return curl([...args, ...(o.args ?? []), url + path], o.data);
    },
    apiFetch: (path, o = {}) => apiFetch(url + path, { ...o, key: keyOf(o) }),
    stop: () => baton.stop(),
  };
}

/**
 * Run the real curl binary with `args` (URL included); `input` goes to its
 * stdin (for `--data-binary @-`). Returns the last response's status,
 * headers and body (a 100 Continue before it is skipped); several URLs may be
 * given, each but the last followed by its own `-o FILE`.
 */
export async function curl(args: readonly string[], input?: string | Buffer): Promise<HttpResult> {
  const dir = await mkdtemp(join(tmpdir(), 'baton-curl-'));
  const headerFile = join(dir, 'headers');
  const bodyFile = join(dir, 'body');
  try {
    const status = await new Promise<number>((resolve, reject) => {
      // `-o` last: with several URLs (each earlier one given its own `-o`), it pairs with the last.
      const child = execFile('curl', ['-sS', '--max-time', '20', '-D', headerFile, '-w', '%{http_code}\n', ...args, '-o', bodyFile], { encoding: 'utf8' }, (err, stdout, stderr) => {
        if (err) reject(new Error(`curl ${args.join(' ')} failed: ${stderr || err.message}`));
        else resolve(Number(stdout.trim().split('\n').at(-1)));
      });
      // curl reads stdin only for `@-`; otherwise it may have exited before the write: an EPIPE then is no failure (curl's own result says how it went).
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(input ?? '');
    });
    const blocks = (await readFile(headerFile, 'utf8')).split(/\r?\n\r?\n/).filter((b) => b.trim() !== '');
    const headers = parseHeaders(blocks[blocks.length - 1] ?? '');
    const text = await readFile(bodyFile, 'utf8').catch(() => '');
    return { status, headers, text, body: parseBody(headers['content-type'], text) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The same request through node's fetch (for loops where spawning curl would dominate). */
export async function apiFetch(fullUrl: string, o: RequestOptions = {}): Promise<HttpResult> {
  const headers: Record<string, string> = { ...(o.headers ?? {}) };
  if (o.key) headers.authorization = `Bearer ${o.key}`;
  let body: string | Uint8Array | undefined = typeof o.data === 'string' || o.data === undefined ? o.data : new Uint8Array(o.data);
  if (o.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(o.json);
  }
  const res = await fetch(fullUrl, { method: o.method ?? (body !== undefined ? 'POST' : 'GET'), headers, ...(body !== undefined ? { body: body as BodyInit } : {}) });
  const text = await res.text();
  const h: Record<string, string> = {};
  res.headers.forEach((value, name) => (h[name] = value));
  return { status: res.status, headers: h, text, body: parseBody(h['content-type'], text) };
}

function parseHeaders(block: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of block.split(/\r?\n/).slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return out;
}

function parseBody(contentType: string | undefined, text: string): unknown {
  if (!/json/.test(contentType ?? '') || text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
