import type { Command } from 'commander';
import type { Config } from '../config/index.js';
import { systemClock, systemRandom, type Clock } from '../core/index.js';
import { resolveSite, type SiteHost } from '../delivery/mx.js';
import { routeFor, type Route } from '../delivery/route.js';
import type { PolicyExplanation } from '../delivery/tls/host-tls.js';
import type { OutboundTls } from '../delivery/tls/set-up.js';
import type { RecordResolver } from '../dns/index.js';
import { configSubcommand, withStore } from './with-store.js';

/** What `baton tls check` needs: the config, a resolver, and the node's outbound TLS parts (setUpOutboundTls). */
export interface TlsCheckContext {
  readonly config: Config;
  readonly resolver: RecordResolver;
  readonly outboundTls: OutboundTls;
  close(): Promise<void>;
}

export interface TlsCommandDeps {
  readonly open: (configFile?: string) => Promise<TlsCheckContext>;
  readonly clock?: Clock;
  readonly out?: (text: string) => void;
}

/** The account `baton tls check` prints (and gives as --json). */
export interface TlsCheckReport {
  readonly domain: string;
  /** RFC 7672 §2.2 / RFC 8461 §2: a pinned route wins, then DANE, then MTA-STS, then delivery.tls. */
  readonly order: string;
  readonly route: { readonly kind: string; readonly tls?: string; readonly pinned: boolean; readonly note: string };
  readonly mx: { readonly ok: boolean; readonly hosts: readonly { readonly host: string; readonly preference: number; readonly addresses: readonly string[] }[]; readonly error?: string };
  readonly sources: readonly PolicyExplanation[];
  readonly lastResult: { readonly at: string; readonly result: string } | null;
}

const ORDER = 'route tls (pinned) > DANE > MTA-STS > delivery.tls';

/** Looks a domain up as delivery would, and asks every policy source to explain itself. */
export async function tlsCheck(ctx: TlsCheckContext, rawDomain: string): Promise<TlsCheckReport> {
  const domain = rawDomain.trim().toLowerCase().replace(/\.$/, '');
  const { config, resolver, outboundTls } = ctx;
  const route = routeFor(domain, config);
  const site = await resolveSite(domain, { resolver, random: systemRandom, port: config.delivery.port });
  const hosts: readonly SiteHost[] = site.ok ? site.hosts : [];
  const pinned = route.kind !== 'mx' || route.tlsPinned === true || route.tls === 'none';
  const sources: PolicyExplanation[] = [];
  for (const s of outboundTls.sources) {
    if (s.explain) sources.push(await s.explain(domain, hosts).catch((err: unknown) => ({ source: s.name, found: false, summary: `lookup failed: ${(err as Error).message}` })));
  }
  const last = await outboundTls.results?.lastResult?.(domain);
  return {
    domain,
    order: ORDER,
    route: { kind: route.kind, ...('tls' in route ? { tls: route.tls } : {}), pinned, note: routeNote(route, pinned) },
    mx: site.ok
      ? { ok: true, hosts: site.hosts.map((h) => ({ host: h.host, preference: h.preference, addresses: h.addresses.map((a) => a.address) })) }
      : { ok: false, hosts: [], error: site.reason },
    sources,
    lastResult: last ? { at: new Date(last.at).toISOString(), result: last.result } : null,
  };
}

function routeNote(route: Route, pinned: boolean): string {
  if (route.kind === 'maildir' || route.kind === 'lmtp') return 'a local domain: delivered here, no outbound TLS policy';
  if (route.kind === 'smarthost') return `smarthost ${route.host}:${route.port} with tls ${route.tls}: DANE and MTA-STS are not consulted`;
  if (pinned) return `a route sets tls ${route.tls}: DANE and MTA-STS are not consulted`;
  return `MX delivery; hosts no policy speaks for get delivery.tls (${route.tls})`;
}

export function formatTlsCheck(r: TlsCheckReport): string {
  const lines = [`${r.domain}`, `  order:  ${r.order}`, `  route:  ${r.route.note}`];
  if (r.mx.ok) for (const h of r.mx.hosts) lines.push(`  MX ${h.preference} ${h.host} (${h.addresses.join(', ')})`);
  else lines.push(`  MX: ${r.mx.error ?? 'none'}`);
  if (r.sources.length === 0) lines.push('  no policy source is enabled (delivery.dane / delivery.mtaSts)');
  for (const s of r.sources) {
    lines.push(`  ${s.source}: ${s.found ? '' : '(none) '}${s.summary}`);
    const perHost = (s.details?.hosts ?? []) as readonly { host: string; applies: string }[];
    for (const h of perHost) lines.push(`    ${h.host}: ${r.route.pinned ? 'not consulted (route pinned)' : h.applies}`);
  }
  lines.push(`  last result: ${r.lastResult ? `${r.lastResult.result} at ${r.lastResult.at}` : 'none recorded'}`);
  return `${lines.join('\n')}\n`;
}

/** `baton tls check DOMAIN [--json]`. */
export function registerTlsCommands(program: Command, deps: TlsCommandDeps): Command {
  const out = deps.out ?? ((t: string) => void process.stdout.write(t));
  const tls = program.command('tls').description('outbound transport security (MTA-STS, DANE, TLS-RPT)');
  configSubcommand(tls, 'check', 'show which TLS policy applies to mail for DOMAIN, per MX host, and why')
    .argument('<domain>', 'the recipient domain')
    .option('--json', 'print JSON')
    .action(
      withStore(deps.open, 'baton.tls', async (ctx, cmd) => {
        const domain = cmd.args[0] as string;
        const report = await tlsCheck(ctx, domain);
        out(cmd.opts<{ json?: boolean }>().json ? `${JSON.stringify(report, null, 2)}\n` : formatTlsCheck(report));
      }),
    );
  return tls;
}
