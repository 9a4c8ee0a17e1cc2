import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config } from './schema.js';

/** A configuration problem, with the key path and the file position when known. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface LoadedConfig {
  readonly config: Config;
  /** The file it came from, or undefined for the embedded default. */
  readonly file: string | undefined;
}

/** What `baton start` without a file runs: every schema default, plus the API on loopback. */
export const EMBEDDED_DEFAULT = { api: { address: '127.0.0.1:8025' } };

/** Load, validate and freeze; relative paths are resolved (dataDir against the file's folder). */
export function loadConfig(file: string | undefined, cwd = process.cwd()): LoadedConfig {
  // The embedded default serves the HTTP API on loopback (README quick start); a file turns it on itself.
  if (file === undefined) return { config: finish(parseRaw(EMBEDDED_DEFAULT, '(embedded default)'), cwd), file };
  let text: string;
  try {
    text = readFileSync(resolve(cwd, file), 'utf8');
  } catch (err) {
    throw new ConfigError(`Cannot read config file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const pos = e?.linePos?.[0];
    throw new ConfigError(`${file}${pos ? `:${pos.line}:${pos.col}` : ''}: ${e?.message.split('\n')[0]}`);
  }
  const raw: unknown = doc.toJS() ?? {};
  return { config: finish(parseRaw(raw, file), dirname(resolve(cwd, file))), file: resolve(cwd, file) };
}

/** Validate an already parsed object (tests, embedded defaults). */
export function parseConfig(raw: unknown, base = process.cwd()): Config {
  return finish(parseRaw(raw, '(object)'), base);
}

function parseRaw(raw: unknown, where: string): Config {
  const result = configSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(formatIssues(result.error.issues, where));
  return result.data;
}

function formatIssues(issues: readonly z.core.$ZodIssue[], where: string): string {
  const lines = issues.slice(0, 10).map((i) => {
    const path = i.path.map(String).join('.') || '(top level)';
    const extra = i.code === 'unrecognized_keys' ? ` (known keys are listed in docs/configuration.md)` : '';
    return `  ${path}: ${i.message}${extra}`;
  });
  return `Invalid configuration in ${where}:\n${lines.join('\n')}`;
}

function finish(config: Config, base: string): Config {
  const dataDir = isAbsolute(config.dataDir) ? config.dataDir : resolve(base, config.dataDir);
  const inData = (p: string) => (isAbsolute(p) ? p : resolve(dataDir, p));
  const out: Config = {
    ...config,
    dataDir,
    queue: { ...config.queue, path: inData(config.queue.path) },
    tls: {
      ...config.tls,
      ...(config.tls.cert !== undefined ? { cert: resolve(base, config.tls.cert) } : {}),
      ...(config.tls.key !== undefined ? { key: resolve(base, config.tls.key) } : {}),
    },
    local: { ...config.local, ...(config.local.maildir ? { maildir: inData(config.local.maildir) } : {}) },
    dkim: { ...config.dkim, ...(config.dkim.secretFile !== undefined ? { secretFile: resolve(base, config.dkim.secretFile) } : {}) },
    delivery: { ...config.delivery, ...(config.delivery.caFile !== undefined ? { caFile: resolve(base, config.delivery.caFile) } : {}) },
    bounces: { ...config.bounces, ...(config.bounces.rules !== undefined ? { rules: resolve(base, config.bounces.rules) } : {}) },
  };
  if ((config.tls.cert === undefined) !== (config.tls.key === undefined)) {
    throw new ConfigError('Invalid configuration: tls.cert and tls.key must be given together');
  }
  return deepFreeze(out);
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/**
 * Keys whose values are secrets (route credentials, the DKIM key secret);
 * `tls.key` and `dkim.secretFile` are file paths, not secrets.
 */
const SECRET_KEYS = new Set(['pass', 'password', 'secret']);

/** The effective config for `baton config check`, secrets replaced. */
export function redactConfig(config: Config): unknown {
  return JSON.parse(JSON.stringify(config), (k, v) => (SECRET_KEYS.has(k) && typeof v === 'string' ? '********' : v));
}
