import { z } from 'zod';
import type { Config } from '../../config/index.js';
import type { Clock } from '../../core/index.js';
import { createResolver } from '../../dns/index.js';
import type { EventStore } from '../../events/index.js';
import {
  createKey,
  DKIM_ALGORITHMS,
  DKIM_KEY_STATES,
  DkimKeyStoreError,
  dkimStatus,
  normalizeDomain,
  requireSealer,
  startRotation,
  type DkimKeyStore,
  type KeySealer,
  type NewKeyRecord,
  type TxtLookup,
} from '../../mailauth/index.js';
import { ApiProblem } from '../problem.js';
import { defineRoute, type ApiRoute } from '../route.js';

export interface DkimKeyRoutesDeps {
  readonly config: Pick<Config, 'dkim' | 'dns'>;
  readonly dkimKeys: DkimKeyStore;
  /** Each new key's `dkim-key` event goes here, as `baton dkim keygen` records it. */
  readonly events: Pick<EventStore, 'append'>;
  readonly clock: Clock;
  /** Tests inject one; by default a resolver of the routes' own, its cache cleared per request. */
  readonly dns?: TxtLookup & { clear?(): void };
}

const TAGS = ['Domains'];

const keySchema = z.object({
  selector: z.string(),
  algorithm: z.enum(DKIM_ALGORITHMS),
  state: z.enum(DKIM_KEY_STATES).describe('pending-dns: waits for its DNS record, never signs; active: signs; retiring: replaced, its record must stay published; retired: done'),
  since: z.string().describe('When it entered its state (ISO 8601)'),
  record: z.object({ name: z.string(), value: z.string() }).describe('The TXT record to publish'),
  dns: z.object({ status: z.enum(['published', 'missing', 'wrong', 'unknown']), detail: z.string().optional() }).describe('What DNS serves at the name now (a live lookup)'),
  signs: z.boolean(),
  note: z.string().describe('What the operator should know or do'),
});

const newKeySchema = z.object({
  domain: z.string(),
  selector: z.string(),
  algorithm: z.enum(DKIM_ALGORITHMS),
  state: z.literal('pending-dns'),
  name: z.string().describe('SELECTOR._domainkey.DOMAIN'),
  value: z.string().describe('The TXT value in one piece, as DNS providers\' web forms take it'),
  strings: z.array(z.string()).describe('The value as character-strings of at most 255 bytes (RFC 1035 §3.3.14), for a zone file'),
});

const domainParam = z.object({ domain: z.string().max(255) });

/** The domain of the path, normalized (lower case, A-labels), or a 422 naming it. */
function domainOf(input: string): string {
  const d = normalizeDomain(input);
  if (d === undefined) throw new ApiProblem('validation', `"${input}" is not a domain name`, { errors: [{ path: 'params.domain', message: 'must be a domain name' }] });
  return d;
}

/** The sealer, or a 409 saying what to configure: keys are stored encrypted with dkim.secret. */
function sealer(config: DkimKeyRoutesDeps['config']): KeySealer {
  try {
    return requireSealer(config);
  } catch (err) {
    throw new ApiProblem('conflict', `Baton cannot store a DKIM key: ${(err as Error).message}, then restart Baton.`);
  }
}

/** The store's refusals as problems: a taken selector or a rotation under way is a 409, a bad name a 422. */
function asProblem(err: unknown): unknown {
  if (!(err instanceof DkimKeyStoreError)) return err;
  return err.code === 'exists' ? new ApiProblem('conflict', `${err.message}.`) : new ApiProblem('validation', `${err.message}.`);
}

const view = (m: NewKeyRecord): z.infer<typeof newKeySchema> => ({ domain: m.domain, selector: m.selector, algorithm: m.algorithm, state: 'pending-dns', name: m.name, value: m.value, strings: [...m.strings] });

/**
 * DKIM keys per sending domain (docs/api.md "DKIM keys"): their states with a
 * live DNS lookup each, a new key, a staged rotation. The same functions as
 * `baton dkim status|keygen|rotate` (mailauth/dkim-status.ts,
 * dkim-key-admin.ts), so the CLI and the API cannot disagree; the running
 * node's checker (mailauth/dns-publication-checker.ts) switches to a new key
 * once DNS publishes it, whoever made it.
 */
export function dkimKeyRoutes(deps: DkimKeyRoutesDeps): ApiRoute[] {
  let own: (TxtLookup & { clear?(): void }) | undefined;
  const dns = () => deps.dns ?? (own ??= createResolver(deps.config.dns, deps.clock));
  const record = async (made: readonly NewKeyRecord[], by: string) => {
    await deps.events.append(made.map((m) => ({ ...m.event, reason: `${m.event.reason ?? 'keygen'} by ${by}` })));
  };
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/domains/{domain}/dkim-keys',
      operationId: 'listDkimKeys',
      summary: "A domain's DKIM keys, oldest first, with their state, record, what DNS serves now and which sign",
      tags: TAGS,
      scope: 'read',
      params: domainParam,
      responses: {
        200: { description: 'The keys (none: the domain has no key yet)', schema: z.object({ domain: z.string(), signing: z.array(z.string()).describe('Selectors that sign now'), keys: z.array(keySchema) }) },
        422: { description: 'Not a domain name' },
      },
      async handler({ params }) {
        const domain = domainOf(params.domain);
        const resolver = dns();
        resolver.clear?.();
        const [status] = await dkimStatus(await deps.dkimKeys.list(domain), resolver, deps.config.dkim);
        return { status: 200, body: { domain, signing: [...(status?.signing ?? [])], keys: [...(status?.keys ?? [])] } };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/domains/{domain}/dkim-keys',
      operationId: 'createDkimKey',
      summary: 'Make a signing key (pending-dns) and answer the TXT record to publish; Baton signs with it once DNS serves the record',
      description: 'What `baton dkim keygen DOMAIN` does. The first key of a domain makes it a sending domain of this Baton.',
      tags: TAGS,
      scope: 'admin',
      params: domainParam,
      body: z
        .strictObject({
          algorithm: z.enum(DKIM_ALGORITHMS).optional().describe('Default rsa-2048 (every verifier knows it; ed25519, RFC 8463, beside it for dual signing)'),
          selector: z.string().max(63).optional().describe('Default: dated, e.g. b2026-11-rsa'),
        })
        .optional(),
      responses: {
        201: { description: 'Made; publish `name` TXT `value`', schema: newKeySchema },
        409: { description: 'The selector is taken, or no dkim.secret is configured' },
        422: { description: 'Not a domain name or selector' },
      },
      async handler({ params, body, caller }) {
        const domain = domainOf(params.domain);
        const keySealer = sealer(deps.config);
        const made = await createKey(
          { store: deps.dkimKeys, sealer: keySealer, clock: deps.clock },
          { domain, algorithm: body?.algorithm ?? 'rsa-2048', ...(body?.selector !== undefined ? { selector: body.selector } : {}), reason: 'keygen' },
        ).catch((err: unknown) => {
          throw asProblem(err);
        });
        await record([made], `api:${caller?.name ?? 'unknown'}`);
        return { status: 201, body: view(made), headers: { location: `/api/v1/domains/${encodeURIComponent(domain)}/dkim-keys` } };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/domains/{domain}/dkim-keys/rotate',
      operationId: 'rotateDkimKeys',
      summary: 'Start a staged rotation: a new key per algorithm the domain signs with (or the one given); the old key signs until DNS serves the new one',
      description: 'What `baton dkim rotate DOMAIN` does. The replaced key then retires after `dkim.retireAfter`.',
      tags: TAGS,
      scope: 'admin',
      params: domainParam,
      body: z.strictObject({ algorithm: z.enum(DKIM_ALGORITHMS).optional().describe('Only this algorithm; default: every one with an active key') }).optional(),
      responses: {
        201: { description: 'The new keys; publish their records', schema: z.object({ keys: z.array(newKeySchema) }) },
        409: { description: 'A rotation is under way (a new key waits for DNS), or no dkim.secret is configured' },
        422: { description: 'The domain has no active key to rotate' },
      },
      async handler({ params, body, caller }) {
        const domain = domainOf(params.domain);
        const keySealer = sealer(deps.config);
        const made = await startRotation({ store: deps.dkimKeys, sealer: keySealer, clock: deps.clock }, domain, body?.algorithm).catch((err: unknown) => {
          throw asProblem(err);
        });
        await record(made, `api:${caller?.name ?? 'unknown'}`);
        return { status: 201, body: { keys: made.map(view) } };
      },
    }),
  ];
}
