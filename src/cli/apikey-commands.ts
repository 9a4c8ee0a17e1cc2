import type { Command } from 'commander';
import { ApiKeys, type ApiKeyInfo, type ApiKeyStore } from '../api/keys/index.js';
import { systemClock, type Stream } from '../core/index.js';
import { formatTable } from './format-table.js';
import { configSubcommand, withStore } from './with-store.js';

export interface ApiKeyCommandDeps {
  readonly openKeys: (configFile?: string) => Promise<ApiKeyStore>;
  /** Normal output (stdout by default). */
  readonly out?: (text: string) => void;
}

const list = (text: string | undefined) => (text ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

function toJson(k: ApiKeyInfo): Record<string, unknown> {
  return {
    id: k.id,
    name: k.name,
    scopes: k.scopes,
    domains: k.domains,
    settings: k.settings,
    createdAt: iso(k.createdAt),
    lastUsedAt: iso(k.lastUsedAt) ?? null,
    revokedAt: iso(k.revokedAt) ?? null,
  };
}

const state = (k: ApiKeyInfo) => (k.revokedAt !== undefined ? `revoked ${iso(k.revokedAt)}` : 'active');

/**
 * `baton apikey create|list|show|revoke`: keys for the HTTP API (docs/api.md).
 * A revoke from here reaches a running Baton within its key cache time (5 s).
 */
export function registerApiKeyCommands(program: Command, deps: ApiKeyCommandDeps): Command {
  const out = deps.out ?? ((text: string) => void process.stdout.write(text));
  const apikey = program.command('apikey').description('manage HTTP API keys');
  const run = (fn: (store: ApiKeyStore, cmd: Command) => Promise<void>) => withStore(deps.openKeys, 'baton.apikey', fn);
  const sub = (name: string, description: string) => configSubcommand(apikey, name, description);

  sub('create', 'create a key and print it once (on stdout, alone on its line); only its hash is kept')
    .argument('<name>', 'a unique name, e.g. billing-app (its mail counts as "api:NAME" for quotas)')
    .option('--scopes <list>', 'comma-separated: send, read, admin (admin implies read)', 'send')
    .option('--domains <list>', 'comma-separated domains the key may send as (default: any)')
    .option('--stream <stream>', 'transactional or bulk: the stream of its mail unless a message says otherwise')
    .action(
      run(async (store, cmd) => {
        const o = cmd.opts<{ scopes: string; domains?: string; stream?: string }>();
        const keys = new ApiKeys({ store, clock: systemClock });
        const { key, info } = await keys.create({ name: cmd.args[0] ?? '', scopes: list(o.scopes), domains: list(o.domains), ...(o.stream ? { stream: o.stream as Stream } : {}) });
        // The key alone on stdout so `KEY=$(baton apikey create x)` captures it; the note goes to stderr.
        out(`${key}\n`);
        process.stderr.write(`API key ${info.name} (id ${info.id}, scopes ${info.scopes.join(',')}) created; it is shown only now, store it safely\n`);
      }),
    );

  sub('list', 'list keys (never their secrets)')
    .option('--json', 'print JSON')
    .action(
      run(async (store, cmd) => {
        const keys = await store.list();
        if (cmd.opts<{ json?: boolean }>().json) return out(`${JSON.stringify(keys.map(toJson), null, 2)}\n`);
        if (keys.length === 0) return out('No API keys (create one with "baton apikey create NAME --scopes send")\n');
        out(
          formatTable(
            [{ header: 'NAME' }, { header: 'ID' }, { header: 'SCOPES' }, { header: 'DOMAINS' }, { header: 'LAST USED' }, { header: 'STATE' }],
            keys.map((k) => [k.name, k.id, k.scopes.join(','), k.domains.join(',') || '(any)', iso(k.lastUsedAt) ?? 'never', state(k)]),
          ),
        );
      }),
    );

  sub('show', 'show one key')
    .argument('<name>', 'key name')
    .option('--json', 'print JSON')
    .action(
      run(async (store, cmd) => {
        const name = cmd.args[0] ?? '';
        const k = await store.byName(name);
        if (!k) throw new Error(`no API key ${name} (see "baton apikey list")`);
        const j = toJson(k);
        if (cmd.opts<{ json?: boolean }>().json) return out(`${JSON.stringify(j, null, 2)}\n`);
        out(
          [
            `name:      ${k.name}`,
            `id:        ${k.id}`,
            `scopes:    ${k.scopes.join(', ')}`,
            `domains:   ${k.domains.join(', ') || '(any)'}`,
            `settings:  ${JSON.stringify(k.settings)}`,
            `created:   ${iso(k.createdAt)}`,
            `last used: ${iso(k.lastUsedAt) ?? 'never'}`,
            `state:     ${state(k)}`,
          ].join('\n') + '\n',
        );
      }),
    );

  sub('revoke', 'revoke a key (a running Baton refuses it within 5 seconds)')
    .argument('<name>', 'key name')
    .action(
      run(async (store, cmd) => {
        const name = cmd.args[0] ?? '';
        const keys = new ApiKeys({ store, clock: systemClock });
        if (!(await keys.revoke(name))) {
          const k = await store.byName(name);
          throw new Error(k ? `API key ${name} was revoked already (${iso(k.revokedAt)})` : `no API key ${name} (see "baton apikey list")`);
        }
        out(`API key ${name} revoked\n`);
      }),
    );
  return apikey;
}
