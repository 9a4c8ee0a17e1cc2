import { z } from 'zod';
import { ApiProblem } from '../problem.js';
import { defineRoute, type ApiRoute } from '../route.js';

/** One readiness check's result. */
export interface ReadinessCheck {
  readonly name: string;
  readonly ok: boolean;
  /** What failed, in words an operator can act on. */
  readonly detail?: string;
}

export interface HealthDeps {
  /**
   * A write transaction through the store's own writer that changes nothing:
   * it fails or hangs when the store cannot be written (a lock held by another
   * process, a read-only or full file system).
   */
  readonly storeWritable: () => Promise<unknown>;
  /** The SMTP (and other) listeners this node should have, and whether each is bound now. */
  readonly listeners: () => readonly { readonly name: string; readonly bound: boolean }[];
  /** How long the store check may take before it counts as failed. */
  readonly storeTimeoutMs?: number;
}

const checkSchema = z.object({ name: z.string(), ok: z.boolean(), detail: z.string().optional() });
const readySchema = z.object({ status: z.literal('ready'), checks: z.array(checkSchema) });

/** Seconds a load balancer should wait before asking again (RFC 9110 §10.2.3 Retry-After with 503). */
const RETRY_AFTER_SECONDS = '5';
const DEFAULT_STORE_TIMEOUT_MS = 2000;

/**
 * Liveness and readiness for orchestrators and load balancers (docs/api.md
 * "Metrics and health"). `/healthz` answers while the process can answer at
 * all; `/readyz` says whether this node can take mail now: its store takes a
 * write within a bounded time and its listeners are bound. Both are public:
 * they reveal nothing but up or not.
 */
export function healthRoutes(wiring: { readonly readiness?: HealthDeps }): ApiRoute[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/healthz',
      operationId: 'getHealth',
      summary: 'Liveness: 200 while the process runs',
      tags: ['health'],
      scope: 'public',
      responses: { 200: { description: 'The process is up', schema: z.object({ status: z.literal('ok') }) } },
      handler: () => ({ status: 200, body: { status: 'ok' } }),
    }),
    defineRoute({
      method: 'GET',
      path: '/readyz',
      operationId: 'getReadiness',
      summary: 'Readiness: 200 when the store is writable and the listeners are bound, else 503 naming the failed checks',
      tags: ['health'],
      scope: 'public',
      responses: {
        200: { description: 'Ready to take mail', schema: readySchema },
        503: { description: 'Not ready: problem+json (temporary-failure) with `checks`; Retry-After set' },
      },
      async handler() {
        const deps = wiring.readiness;
        if (!deps) throw new ApiProblem('internal', 'Readiness checks are not wired on this node');
        const checks = [await storeCheck(deps), ...listenerChecks(deps)];
        const failed = checks.filter((c) => !c.ok);
        if (failed.length === 0) return { status: 200, body: { status: 'ready', checks } };
        throw new ApiProblem('temporary-failure', `Not ready: ${failed.map((c) => `${c.name}: ${c.detail ?? 'failed'}`).join('; ')}`, { checks }, { 'Retry-After': RETRY_AFTER_SECONDS });
      },
    }),
  ];
}

async function storeCheck(deps: HealthDeps): Promise<ReadinessCheck> {
  const ms = deps.storeTimeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no write transaction completed within ${ms} ms (is another process holding the database lock, or the disk full?)`)), ms);
  });
  try {
    await Promise.race([deps.storeWritable(), timeout]);
    return { name: 'store', ok: true };
  } catch (err) {
    return { name: 'store', ok: false, detail: `the store is not writable: ${(err as Error).message}` };
  } finally {
    clearTimeout(timer);
  }
}

function listenerChecks(deps: HealthDeps): ReadinessCheck[] {
  return deps.listeners().map((l) => (l.bound ? { name: `listener ${l.name}`, ok: true } : { name: `listener ${l.name}`, ok: false, detail: 'not bound' }));
}
