import { z } from 'zod';
import { STREAMS, type Clock } from '../../core/index.js';
import { senderUsage, type DefaultLimits, type SendingCounters } from '../../quotas/index.js';
import { apiUserName } from '../send/api-checks.js';
import type { UserSettingsPatch } from '../../users/index.js';
import { ApiKeyStoreError, type ApiKeyInfo, type ApiKeys } from '../keys/index.js';
import { ApiProblem } from '../problem.js';
import { SCOPES, defineRoute, type ApiRoute } from '../route.js';

export interface KeyRouteDeps {
  readonly apiKeys: ApiKeys;
  /** For each key's usage: its mail is counted as the sender "api:NAME" (api/send/api-checks.ts). */
  readonly stores?: { readonly sendingCounters: Pick<SendingCounters, 'get'> };
  readonly clock?: Clock;
  readonly config?: { readonly quotas: { readonly default: DefaultLimits } };
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
const Limit = z.number().int().min(1).nullable();

const Key = z.object({
  id: z.string().describe('The public part of the key: baton_<id>_...'),
  name: z.string(),
  scopes: z.array(z.enum(SCOPES)),
  domains: z.array(z.string()).describe('Domains the key may send as; empty: any'),
});
const Usage = z
  .object({
    limits: z.record(z.string(), z.number()).describe("In force: the key's own over quotas.default"),
    hour: z.object({ start: z.string(), messages: z.number().int(), recipients: z.number().int() }),
    day: z.object({ start: z.string(), messages: z.number().int(), recipients: z.number().int(), bounces: z.number().int(), complaints: z.number().int() }),
    contained: z.object({ at: z.string(), trigger: z.string(), reason: z.string() }).nullable(),
  })
  .describe('What the key sent this hour and today (counted as the sender "api:NAME"), as for an SMTP user');
const KeyDetails = Key.extend({
  usage: Usage.optional(),
  settings: z.object({ stream: z.enum(STREAMS as ['transactional', 'bulk']).optional(), limits: z.record(z.string(), z.number()).optional() }).loose(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
const NameParams = z.object({ name: z.string().min(1).max(100) });
const NewKey = z.object({
  name: z.string().min(1).max(100),
  scopes: z.array(z.enum(SCOPES)).min(1).default(['send']),
  domains: z.array(z.string()).default([]),
  stream: z.enum(['transactional', 'bulk']).optional(),
});
const SettingsPatch = z.strictObject({
  stream: z.enum(['transactional', 'bulk']).nullable().optional(),
  limits: z.strictObject({ messagesPerHour: Limit.optional(), messagesPerDay: Limit.optional(), recipientsPerMessage: Limit.optional(), recipientsPerDay: Limit.optional() }).optional(),
});

function keyDetails(k: ApiKeyInfo, deps: KeyRouteDeps): z.infer<typeof KeyDetails> {
  let usage: z.infer<typeof Usage> | undefined;
  if (deps.stores && deps.clock) {
    const sender = apiUserName(k.name);
    const u = senderUsage({ name: sender, domains: k.domains, settings: k.settings }, deps.stores.sendingCounters.get(sender, deps.clock.now()), deps.config?.quotas.default);
    usage = { limits: u.limits as Record<string, number>, hour: u.hour, day: u.day, contained: u.contained };
  }
  return { id: k.id, name: k.name, scopes: [...k.scopes], domains: [...k.domains], ...(usage ? { usage } : {}), settings: { ...k.settings } as z.infer<typeof KeyDetails>['settings'], createdAt: iso(k.createdAt) as string, lastUsedAt: iso(k.lastUsedAt), revokedAt: iso(k.revokedAt) };
}

/** A store refusal as the problem a client can act on. */
function asProblem(err: unknown): never {
  if (err instanceof ApiKeyStoreError) throw new ApiProblem(err.code === 'exists' ? 'conflict' : 'validation', err.message);
  throw err;
}

/**
 * API keys over the API: the caller's own key (any read key), and for admin
 * keys the same as `baton apikey` (a created key is in the answer once, like
 * the CLI prints it once).
 */
export function keyRoutes(deps: KeyRouteDeps): ApiRoute[] {
  const details = (k: ApiKeyInfo) => keyDetails(k, deps);
  const byName = async (name: string) => (await deps.apiKeys.store.byName(name)) ?? (() => { throw new ApiProblem('not-found', `No API key ${name}`); })();
  return [
    defineRoute({
      method: 'GET', path: '/api/v1/key', operationId: 'getCurrentKey', tags: ['Keys'], scope: 'read',
      summary: 'The API key this request carries (a cheap way to check a key works)',
      responses: { 200: { description: 'The key, without its secret', schema: Key } },
      handler: (req) => {
        const c = req.caller;
        return { status: 200, body: c ? { id: c.keyId, name: c.name, scopes: c.scopes, domains: c.domains } : {} };
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/v1/keys', operationId: 'listKeys', tags: ['Keys'], scope: 'admin',
      summary: 'Every API key, revoked ones too (never their secrets)',
      responses: { 200: { description: 'The keys by name', schema: z.object({ keys: z.array(KeyDetails) }) } },
      handler: async () => ({ status: 200, body: { keys: (await deps.apiKeys.store.list()).map(details) } }),
    }),
    defineRoute({
      method: 'POST', path: '/api/v1/keys', operationId: 'createKey', tags: ['Keys'], scope: 'admin', body: NewKey,
      summary: 'Create an API key; the answer holds the key, shown this once',
      responses: { 201: { description: 'Created', schema: KeyDetails.extend({ key: z.string().describe('baton_<id>_<secret>: store it now, it is not kept') }) }, 409: { description: 'The name is taken' } },
      handler: async (req) => {
        const { key, info } = await deps.apiKeys.create({ name: req.body.name, scopes: req.body.scopes, domains: req.body.domains, ...(req.body.stream ? { stream: req.body.stream } : {}) }).catch(asProblem);
        return { status: 201, body: { ...details(info), key }, headers: { location: `/api/v1/keys/${encodeURIComponent(info.name)}` } };
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/v1/keys/{name}', operationId: 'getKey', tags: ['Keys'], scope: 'admin', params: NameParams,
      summary: 'One API key',
      responses: { 200: { description: 'The key', schema: KeyDetails }, 404: { description: 'No such key' } },
      handler: async (req) => ({ status: 200, body: details(await byName(req.params.name)) }),
    }),
    defineRoute({
      method: 'PATCH', path: '/api/v1/keys/{name}', operationId: 'updateKeySettings', tags: ['Keys'], scope: 'admin', params: NameParams, body: SettingsPatch,
      summary: "Change a key's stream and sending limits (null clears)",
      responses: { 200: { description: 'The key with its new settings', schema: KeyDetails }, 404: { description: 'No such key' } },
      handler: async (req) => {
        const settings = await deps.apiKeys.store.updateSettings(req.params.name, req.body as UserSettingsPatch).catch(asProblem);
        if (!settings) throw new ApiProblem('not-found', `No API key ${req.params.name}`);
        return { status: 200, body: details(await byName(req.params.name)) };
      },
    }),
    defineRoute({
      method: 'DELETE', path: '/api/v1/keys/{name}', operationId: 'revokeKey', tags: ['Keys'], scope: 'admin', params: NameParams,
      summary: 'Revoke an API key (refused by this node at once, by others within 5 s)',
      responses: { 204: { description: 'Revoked' }, 404: { description: 'No such key' }, 409: { description: 'Revoked already' } },
      handler: async (req) => {
        const key = await byName(req.params.name);
        if (!(await deps.apiKeys.revoke(req.params.name))) throw new ApiProblem('conflict', `API key ${key.name} was revoked already (${iso(key.revokedAt)})`);
        return { status: 204 };
      },
    }),
  ];
}
