import { z } from 'zod';
import { CampaignError, type CampaignService } from '../../campaigns/sending/index.js';
import type { ApiKeyStore } from '../keys/index.js';
import { ApiProblem } from '../problem.js';
import { defineRoute, type ApiRoute } from '../route.js';

const TAGS = ['campaigns'];

const progressSchema = z.object({
  audience: z.number().int().describe('Contacts selected from the segment when sending started'),
  queued: z.number().int().describe('Messages the queue committed (the send log has them)'),
  skipped: z.number().int().describe('Suppressed contacts, not sent'),
  failed: z.number().int().describe('Render failures and permanent refusals'),
  remaining: z.number().int(),
});
const statsSchema = z.object({
  sent: z.number().int().describe('Recipients accepted into the queue'),
  delivered: z.number().int(),
  deferred: z.number().int().describe('Failed attempts to be retried'),
  bounced: z.object({ hard: z.number().int(), soft: z.number().int(), byCategory: z.record(z.string(), z.number().int()) }),
  unsubscribed: z.number().int(),
  complained: z.number().int(),
  opened: z.number().int().optional().describe('Only with campaigns.sending.tracking.opens'),
  clicked: z.number().int().optional().describe('Only with campaigns.sending.tracking.clicks'),
});
const campaignView = z.object({
  id: z.number().int(),
  name: z.string(),
  state: z.enum(['draft', 'scheduled', 'sending', 'paused', 'sent', 'cancelled']),
  template: z.number().int(),
  segment: z.number().int(),
  from: z.string(),
  stream: z.enum(['bulk', 'transactional']),
  pool: z.string().optional(),
  rate: z.string().optional(),
  sendAt: z.number().int().optional(),
  apiKey: z.string().describe('The API key whose identity, domains and quotas the messages go out under'),
  note: z.string().optional().describe('Why it is paused or waiting (an operator, a quota)'),
  createdAt: z.number().int(),
  startedAt: z.number().int().optional(),
  finishedAt: z.number().int().optional(),
  progress: progressSchema,
  stats: statsSchema,
});
const createBody = z.strictObject({
  name: z.string().min(1).max(200),
  template: z.number().int().positive(),
  segment: z.number().int().positive(),
  from: z.string().min(3).max(320).describe('"Name <local@domain>" or "local@domain"; the API key must be allowed to send as its domain'),
  stream: z.enum(['bulk', 'transactional']).default('bulk'),
  apiKey: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe('Send as this API key (by name; not revoked, with the send scope); absent: the calling key, or admin:NAME for a dashboard login'),
  pool: z.string().min(1).max(100).optional().describe('An egress pool (egress.pools) to send from'),
  rate: z.string().max(40).optional().describe('At most this many messages per unit, evenly spaced: "1000/min", "20/s", "5000/h"'),
  sendAt: z.number().int().positive().optional().describe('ms epoch: `send` schedules it for then'),
});
const idParams = z.object({ id: z.coerce.number().int().positive() });
const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.coerce.number().int().positive().optional() });
const failure = z.object({ contact: z.number().int(), address: z.string(), reason: z.string(), at: z.number().int() });

export interface CampaignRouteDeps {
  readonly campaigns?: CampaignService;
  /** To check a named `apiKey` at create (a dashboard login is no key: it names the one its campaign sends as). */
  readonly stores?: { readonly apiKeys: Pick<ApiKeyStore, 'byName'> };
}

/** Campaigns (docs/campaigns.md): definitions are admin writes; reading progress and stats needs `read`. */
export function campaignRoutes(deps: CampaignRouteDeps): ApiRoute[] {
  const service = (): CampaignService => {
    if (!deps.campaigns) throw new ApiProblem('temporary-failure', 'campaigns are not running on this node');
    return deps.campaigns;
  };
  const call = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof CampaignError) throw new ApiProblem(err.kind === 'invalid' ? 'validation' : err.kind, err.message);
      throw err;
    }
  };
  const action = (name: 'send' | 'pause' | 'resume' | 'cancel', summary: string) =>
    defineRoute({
      method: 'POST',
      path: `/api/v1/campaigns/{id}/${name}`,
      operationId: `${name}Campaign`,
      summary,
      tags: TAGS,
      scope: 'admin',
      params: idParams,
      responses: { 200: { description: 'The campaign after the change', schema: campaignView }, 404: { description: 'No such campaign' }, 409: { description: 'Not in a state this action applies to' } },
      handler: async (req) => ({ status: 200, body: await call(() => service()[name](req.params.id)) }),
    });
  return [
    defineRoute({
      method: 'POST',
      path: '/api/v1/campaigns',
      operationId: 'createCampaign',
      summary: 'Define a campaign (state draft); it sends as `apiKey`, or else as the calling key',
      tags: TAGS,
      scope: 'admin',
      body: createBody,
      responses: { 201: { description: 'The campaign', schema: campaignView }, 422: { description: 'A bad rate, pool, template or segment' } },
      handler: async (req) => {
        const b = req.body;
        // The mail goes out as an API key (sendPrepared looks it up per message): a dashboard
        // login (admin:NAME) or a key without the send scope could never send, so say it now.
        const sender = b.apiKey ?? req.caller?.name ?? '';
        const k = deps.stores ? await deps.stores.apiKeys.byName(sender) : undefined;
        if (deps.stores && (!k || k.revokedAt !== undefined || !k.scopes.includes('send'))) {
          const who = b.apiKey !== undefined ? `apiKey: no API key "${b.apiKey}"` : `the calling identity "${sender}" is not an API key`;
          throw new ApiProblem('validation', `${who} with the send scope; name the key the campaign sends as in "apiKey"`);
        }
        const view = await call(() =>
          service().create({
            name: b.name,
            templateId: b.template,
            segmentId: b.segment,
            from: b.from,
            stream: b.stream,
            ...(b.pool !== undefined ? { pool: b.pool } : {}),
            ...(b.rate !== undefined ? { rate: b.rate } : {}),
            ...(b.sendAt !== undefined ? { sendAt: b.sendAt } : {}),
            apiKey: sender,
          }),
        );
        return { status: 201, body: view };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/campaigns',
      operationId: 'listCampaigns',
      summary: 'Campaigns, newest first',
      tags: TAGS,
      scope: 'read',
      query: listQuery,
      responses: { 200: { description: 'A page of campaigns', schema: z.object({ items: z.array(campaignView), next: z.number().int().optional() }) } },
      handler: async (req) => ({ status: 200, body: await service().list(req.query.limit, req.query.cursor) }),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/campaigns/{id}',
      operationId: 'getCampaign',
      summary: 'A campaign with its progress and stats',
      tags: TAGS,
      scope: 'read',
      params: idParams,
      responses: { 200: { description: 'The campaign', schema: campaignView }, 404: { description: 'No such campaign' } },
      handler: async (req) => ({ status: 200, body: await call(() => service().get(req.params.id)) }),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/campaigns/{id}/failures',
      operationId: 'listCampaignFailures',
      summary: 'Contacts skipped (suppressed) or failed (render failures, refusals), newest first',
      tags: TAGS,
      scope: 'read',
      params: idParams,
      query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
      responses: { 200: { description: 'The failures', schema: z.object({ items: z.array(failure) }) }, 404: { description: 'No such campaign' } },
      handler: async (req) => {
        const rows = await call(() => service().failures(req.params.id, req.query.limit));
        return { status: 200, body: { items: rows.map((f) => ({ contact: f.contact, address: f.address, reason: f.reason, at: f.at })) } };
      },
    }),
    action('send', 'Start sending now, or schedule it for its sendAt'),
    action('pause', 'Pause between messages'),
    action('resume', 'Go on where it stopped'),
    action('cancel', 'Stop for good; nothing more is sent'),
  ];
}
