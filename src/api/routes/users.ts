import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { STREAMS, type Clock } from '../../core/index.js';
import { senderUsage, type DefaultLimits, type SendingCounters } from '../../quotas/index.js';
import { applySettingsPatch, UserStoreError, type UserInfo, type UserSettingsPatch, type UserStore } from '../../users/index.js';
import { ApiProblem } from '../problem.js';
import { defineRoute, type ApiRoute } from '../route.js';

export interface UserRouteDeps {
  readonly stores: { readonly users: UserStore; readonly sendingCounters: Pick<SendingCounters, 'get'> };
  readonly clock: Clock;
  /** `quotas.default`: the limits of users without their own. */
  readonly config: { readonly quotas: { readonly default: DefaultLimits } };
}

const Limits = z.object({
  messagesPerHour: z.number().int().optional(),
  messagesPerDay: z.number().int().optional(),
  recipientsPerMessage: z.number().int().optional(),
  recipientsPerDay: z.number().int().optional(),
});

/** `baton user show --json`, plus when the user was made. */
const UserSchema = z.object({
  name: z.string(),
  domains: z.array(z.string()).describe('Sender domains the user may use'),
  stream: z.enum(STREAMS as ['transactional', 'bulk']),
  limits: Limits.describe('In force: the user\'s own over quotas.default; an absent field is no limit'),
  ownLimits: Limits.describe('Set on the user itself'),
  hour: z.object({ start: z.string(), messages: z.number().int(), recipients: z.number().int() }).describe('Counted this clock hour (UTC)'),
  day: z.object({ start: z.string(), messages: z.number().int(), recipients: z.number().int(), bounces: z.number().int(), complaints: z.number().int() }).describe('Counted this UTC day'),
  baseline: z.number().describe('Usual messages per hour (containment compares against it)'),
  contained: z.object({ at: z.string(), trigger: z.enum(['rate', 'bounces', 'complaints']), reason: z.string() }).nullable().describe('Set when the user\'s new mail is held as looking compromised'),
  containmentLiftedAt: z.string().nullable(),
  createdAt: z.string(),
});

const NameParams = z.object({ name: z.string().min(1).max(320) });
const Limit = z.number().int().min(1).nullable();

const LimitsPatch = z.strictObject({ messagesPerHour: Limit.optional(), messagesPerDay: Limit.optional(), recipientsPerMessage: Limit.optional(), recipientsPerDay: Limit.optional() });

const NewUser = z.strictObject({
  name: z.string().min(1).max(320).describe('The SMTP AUTH login, e.g. alice@example.com'),
  domains: z.array(z.string().min(1).max(253)).min(1, 'give at least one sender domain').max(100),
  password: z.string().min(8, 'a password has at least 8 characters').max(1024).optional().describe('Absent: Baton generates one and answers it this once'),
  stream: z.enum(['transactional', 'bulk']).optional(),
  limits: LimitsPatch.optional().describe('Its own limits; absent fields: quotas.default'),
});

const SettingsPatch = z.strictObject({
  stream: z.enum(['transactional', 'bulk']).nullable().optional(),
  limits: LimitsPatch.optional().describe('A number sets a limit, null clears it'),
});

/** 24 characters of base64url: 144 random bits, typeable, no quoting needed in a mail client. */
function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

function asProblem(err: unknown): never {
  if (err instanceof UserStoreError) throw new ApiProblem(err.code === 'exists' ? 'conflict' : err.code === 'invalid' ? 'validation' : 'temporary-failure', err.message);
  throw err;
}

/**
 * SMTP AUTH users (RFC 4954) over the API, admin scope: what `baton user
 * add|list|set|remove|show` does, so the dashboard and scripts manage the
 * same users. Passwords go in (or are generated and answered once) and are
 * never read back: the store keeps only their hash.
 */
export function userRoutes(deps: UserRouteDeps): ApiRoute[] {
  const view = (u: UserInfo) => ({
    ...senderUsage(u, deps.stores.sendingCounters.get(u.name, deps.clock.now()), deps.config.quotas.default),
    createdAt: new Date(u.createdAt).toISOString(),
  });
  const byName = async (name: string) => (await deps.stores.users.getUser(name)) ?? (() => { throw new ApiProblem('not-found', `No user ${name} (GET /api/v1/users lists them)`); })();
  const tags = ['Users'];
  const notFound = { description: 'No such user (problem+json)' };
  return [
    defineRoute({
      method: 'GET', path: '/api/v1/users', operationId: 'listUsers', tags, scope: 'admin',
      summary: 'Every SMTP AUTH user with its limits and what it has sent this hour and today',
      responses: { 200: { description: 'The users by name', schema: z.object({ users: z.array(UserSchema) }) } },
      handler: async () => ({ status: 200, body: { users: (await deps.stores.users.listUsers()).map(view) } }),
    }),
    defineRoute({
      method: 'POST', path: '/api/v1/users', operationId: 'createUser', tags, scope: 'admin', body: NewUser,
      summary: 'Add an SMTP AUTH user; without a password one is generated and answered this once',
      responses: {
        201: { description: 'Created', schema: UserSchema.extend({ password: z.string().optional().describe('Only when Baton generated it: store it now, it is not kept') }) },
        409: { description: 'The name is taken' },
        422: { description: 'A bad name, domain or password' },
      },
      handler: async (req) => {
        const b = req.body;
        const generated = b.password === undefined ? generatePassword() : undefined;
        const settings: UserSettingsPatch = { ...(b.stream ? { stream: b.stream } : {}), ...(b.limits ? { limits: b.limits as NonNullable<UserSettingsPatch['limits']> } : {}) };
        // Checked before the user exists, so a bad limit leaves no half-made user behind.
        try {
          applySettingsPatch({}, settings);
        } catch (err) {
          asProblem(err);
        }
        await deps.stores.users.addUser(b.name, b.password ?? (generated as string), b.domains).catch(asProblem);
        if (b.stream || b.limits) await deps.stores.users.updateSettings(b.name, settings).catch(asProblem);
        const u = await byName(req.body.name);
        return { status: 201, body: { ...view(u), ...(generated ? { password: generated } : {}) }, headers: { location: `/api/v1/users/${encodeURIComponent(u.name)}` } };
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/v1/users/{name}', operationId: 'getUser', tags, scope: 'admin', params: NameParams,
      summary: 'One user: limits, counts this hour and today, baseline, containment (baton user show)',
      responses: { 200: { description: 'The user', schema: UserSchema }, 404: notFound },
      handler: async (req) => ({ status: 200, body: view(await byName(req.params.name)) }),
    }),
    defineRoute({
      method: 'PATCH', path: '/api/v1/users/{name}', operationId: 'updateUser', tags, scope: 'admin', params: NameParams, body: SettingsPatch,
      summary: "Change a user's stream and sending limits (null clears), like baton user set",
      responses: { 200: { description: 'The user as it is now', schema: UserSchema }, 404: notFound, 422: { description: 'A bad limit' } },
      handler: async (req) => {
        const settings = await deps.stores.users.updateSettings(req.params.name, req.body as UserSettingsPatch).catch(asProblem);
        if (!settings) throw new ApiProblem('not-found', `No user ${req.params.name} (GET /api/v1/users lists them)`);
        return { status: 200, body: view(await byName(req.params.name)) };
      },
    }),
    defineRoute({
      method: 'DELETE', path: '/api/v1/users/{name}', operationId: 'deleteUser', tags, scope: 'admin', params: NameParams,
      summary: 'Remove a user: its next login is refused (mail it already sent stays queued)',
      responses: { 204: { description: 'Removed' }, 404: notFound },
      handler: async (req) => {
        if (!(await deps.stores.users.removeUser(req.params.name))) throw new ApiProblem('not-found', `No user ${req.params.name} (GET /api/v1/users lists them)`);
        return { status: 204 };
      },
    }),
  ];
}
