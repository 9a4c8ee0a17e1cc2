import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MailParams } from '../../core/index.js';
import type { DeliveryJob } from '../job.js';
import type { SiteHost } from '../mx.js';
import type { Route } from '../route.js';
import { isRefusal, type HostDemand, type SourcePlan, type TlsPolicySource } from './host-tls.js';
import type { MxAuthenticity } from './require-tls.js';
import { TlsPlanner } from './tls-planner.js';

// The REQUIRETLS section of the planner (RFC 8689 §4.2.1, §4.2.2), one case per kind of host.

const host = (name: string): SiteHost => ({ host: name, preference: 10, addresses: [{ address: '127.0.0.1', family: 4 } as SiteHost['addresses'][number]] });
const MX = [host('mx1.d.test'), host('mx2.d.test')];
const mxRoute: Route = { kind: 'mx', tls: 'opportunistic' };

function job(params: MailParams, route: Route = mxRoute): DeliveryJob {
  return {
    message: { id: 'Q1', envelope: { mailFrom: null, recipients: [], params }, origin: { kind: 'smtp' }, size: 1, receivedAt: 0, expiresAt: 1, held: false },
    recipients: [],
    domain: 'd.test',
    route,
    transport: {} as DeliveryJob['transport'],
    siteKey: 'd.test',
  } as unknown as DeliveryJob;
}

/** A policy source that speaks for every host with the given demand. */
const source = (demand: (h: SiteHost) => HostDemand): TlsPolicySource => ({
  name: 'fake',
  plan: async (): Promise<SourcePlan> => ({ forHost: demand }),
});
const sts = (mode: 'enforce' | 'testing'): TlsPolicySource =>
  source(() => ({ tls: mode === 'enforce' ? 'required-verify' : 'opportunistic', key: `sts-${mode}`, policy: { type: 'sts', domain: 'd.test', mode } }));
const tlsa = source((h) => ({ tls: 'required', key: `dane-${h.host}`, checkPeer: () => ({ ok: true }), policy: { type: 'tlsa', domain: h.host } }));
const stsRefusesMx2 = source((h) =>
  h.host === 'mx2.d.test'
    ? { refused: true, temporary: true, reason: 'mx2 not in policy', policy: { type: 'sts', domain: 'd.test', mode: 'enforce' } }
    : { tls: 'required-verify', key: 'sts', policy: { type: 'sts', domain: 'd.test', mode: 'enforce' } },
);

const mxSays = (state: Awaited<ReturnType<MxAuthenticity>>): MxAuthenticity => async () => state;

async function plan(params: MailParams, opts: { sources?: TlsPolicySource[]; mx?: MxAuthenticity; route?: Route; hosts?: SiteHost[] } = {}) {
  const route = (opts.route ?? mxRoute) as Extract<Route, { kind: 'mx' | 'smarthost' }>;
  const p = await new TlsPlanner(opts.sources ?? [], opts.mx ? { mxAuthenticity: opts.mx } : {}).plan(job(params, route), route, opts.hosts ?? MX);
  return p.hosts.map((h) => h.demand);
}

const summary = (d: HostDemand): string =>
  isRefusal(d) ? `refused ${d.temporary ? 'temp' : 'perm'} ${d.reply?.code ?? ''} ${d.scope ?? 'site'}` : `${d.tls}${d.requireTls ? ' +requiretls' : ''}`;

test('without a tag the plan is the policy plan, untouched', async () => {
  assert.deepEqual((await plan({}, { mx: mxSays('authenticated') })).map(summary), ['opportunistic', 'opportunistic']);
});

test('REQUIRETLS with a DNSSEC-validated MX: every host raised to required-verify and must offer REQUIRETLS, on its own pool key', async () => {
  const d = await plan({ requireTls: true }, { mx: mxSays('authenticated') });
  assert.deepEqual(d.map(summary), ['required-verify +requiretls', 'required-verify +requiretls']);
  const first = d[0]!;
  assert.ok(!isRefusal(first) && first.key.startsWith('requiretls:'), 'not pooled with connections made without the checks');
});

test('REQUIRETLS with an unsigned MX and no MTA-STS: returned at once with 550 5.7.30, message scope', async () => {
  const d = await plan({ requireTls: true }, { mx: mxSays('unsigned') });
  assert.deepEqual(d.map(summary), ['refused perm 550 message', 'refused perm 550 message']);
  const r = d[0]!;
  assert.ok(isRefusal(r) && r.reply?.status?.detail === 30 && /not DNSSEC-validated/.test(r.reason));
  assert.deepEqual((await plan({ requireTls: true })).map(summary), ['refused temp 451 message', 'refused temp 451 message'], 'no resolver that can tell: deferred');
  assert.deepEqual((await plan({ requireTls: true }, { mx: mxSays('unknown') })).map(summary), ['refused temp 451 message', 'refused temp 451 message']);
});

test('REQUIRETLS: an MTA-STS enforce policy names the hosts (RFC 8461 §4.1); testing mode does not; its refusals stay', async () => {
  assert.deepEqual((await plan({ requireTls: true }, { sources: [sts('enforce')], mx: mxSays('unsigned') })).map(summary), ['required-verify +requiretls', 'required-verify +requiretls']);
  assert.deepEqual((await plan({ requireTls: true }, { sources: [sts('testing')], mx: mxSays('unsigned') })).map(summary), ['refused perm 550 message', 'refused perm 550 message']);
  assert.deepEqual((await plan({ requireTls: true }, { sources: [stsRefusesMx2], mx: mxSays('unsigned') })).map(summary), ['required-verify +requiretls', 'refused temp  site']);
});

test('REQUIRETLS: a DANE (TLSA) demand satisfies the certificate rule as it is; an implicit MX needs no MX validation', async () => {
  const d = await plan({ requireTls: true }, { sources: [tlsa], mx: mxSays('authenticated') });
  assert.deepEqual(d.map(summary), ['required +requiretls', 'required +requiretls']);
  const first = d[0]!;
  assert.ok(!isRefusal(first) && first.checkPeer, 'the TLSA check is kept');
  assert.deepEqual((await plan({ requireTls: true }, { mx: mxSays('no-mx'), hosts: [host('d.test')] })).map(summary), ['required-verify +requiretls']);
});

test('REQUIRETLS to a smarthost: required-verify whatever the route says; a route without TLS can never carry it', async () => {
  const smarthost: Route = { kind: 'smarthost', host: 'relay.test', port: 25, tls: 'opportunistic' };
  assert.deepEqual((await plan({ requireTls: true }, { route: smarthost, hosts: [host('relay.test')] })).map(summary), ['required-verify +requiretls']);
  const none: Route = { kind: 'smarthost', host: 'relay.test', port: 25, tls: 'none' };
  assert.deepEqual((await plan({ requireTls: true }, { route: none, hosts: [host('relay.test')] })).map(summary), ['refused perm 550 message']);
  assert.deepEqual((await plan({ requireTls: true }, { route: { kind: 'mx', tls: 'none' }, mx: mxSays('authenticated') })).map(summary), ['refused perm 550 message', 'refused perm 550 message']);
});

test('TLS-Required: No (RFC 8689 §4.2.2): recipient-side demands and refusals become opportunistic; the operator’s own policy stays', async () => {
  const relaxedSts = await plan({ requireTls: false }, { sources: [stsRefusesMx2] });
  assert.deepEqual(relaxedSts.map(summary), ['opportunistic', 'opportunistic']);
  assert.ok(relaxedSts.every((d) => !isRefusal(d) && d.key.startsWith('tls-required-no:') && d.policy.type === 'sts'), 'own pool key; the policy is still reported');
  const relaxedDane = await plan({ requireTls: false }, { sources: [tlsa] });
  assert.ok(relaxedDane.every((d) => !isRefusal(d) && d.tls === 'opportunistic' && d.checkPeer), 'DANE check still runs, only reported');
  const pinned: Route = { kind: 'mx', tls: 'required-verify', tlsPinned: true };
  assert.deepEqual((await plan({ requireTls: false }, { route: pinned })).map(summary), ['required-verify', 'required-verify']);
});
