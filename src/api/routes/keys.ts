import { z } from 'zod';
import { SCOPES, defineRoute, type ApiRoute } from '../route.js';

const KeySchema = z.object({
  id: z.string().describe('The public part of the key: baton_<id>_...'),
  name: z.string(),
  scopes: z.array(z.enum(SCOPES)),
  domains: z.array(z.string()).describe('Domains the key may send as; empty: any'),
});

/** About API keys. Creating and revoking them is the CLI's (`baton apikey`), so a leaked key cannot mint others. */
export function keyRoutes(): ApiRoute[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/key',
      operationId: 'getCurrentKey',
      summary: 'The API key this request carries (a cheap way to check a key works)',
      tags: ['Keys'],
      scope: 'read',
      responses: { 200: { description: 'The key, without its secret', schema: KeySchema } },
      handler: (req) => {
        const c = req.caller;
        return { status: 200, body: c ? { id: c.keyId, name: c.name, scopes: c.scopes, domains: c.domains } : {} };
      },
    }),
  ];
}
