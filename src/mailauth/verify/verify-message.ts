import { isIP } from 'node:net';
import { authenticate, spf, type ARCResult, type DNSResolver, type AuthenticateResult, type DKIMResult, type DMARCResult, type SPFResult } from 'mailauth';
import type { MailauthResolver } from './dns-adapter.js';
import { resultRow } from './results-header.js';

/**
 * One inbound message authenticated: SPF on MAIL FROM and on HELO (RFC 7208
 * §2.3, §2.4), every DKIM signature (RFC 6376 §6), the ARC chain (RFC 8617
 * §5.2) and DMARC with alignment (RFC 7489 §3.1, §6.6), by mailauth's
 * `authenticate()` asking our DNS resolver. The result is plain data for the
 * policy (auth-policy.ts) and the rows of our Authentication-Results.
 */

export interface VerifyInput {
  /** The message as received (CRLF, unstuffed). */
  readonly message: Buffer;
  readonly clientIp: string;
  /** The EHLO/HELO argument ("" when none was given). */
  readonly helo: string;
  /** MAIL FROM as `local@domain`; null for the null reverse-path. */
  readonly sender: string | null;
}

export interface VerifyOptions {
  /** Our authserv-id: config `hostname` (it also appears in SPF comments). */
  readonly hostname: string;
  readonly resolver: MailauthResolver;
}

export type DmarcPolicy = 'none' | 'quarantine' | 'reject';

export interface AuthReport {
  /** SPF of the MAIL FROM identity (of HELO, RFC 7208 §2.4, when MAIL FROM is null). */
  readonly spf: { readonly result: string; readonly domain: string };
  /** SPF of the HELO identity, when it was checked apart (a domain name and a non-null MAIL FROM). */
  readonly helo?: { readonly result: string; readonly domain: string };
  /** One entry per DKIM-Signature (a single `none` when unsigned). */
  readonly dkim: readonly { readonly result: string; readonly domain?: string }[];
  /** `sealer`: the newest ARC-Seal's d=; `sealerDmarc`: the DMARC result it recorded. */
  readonly arc: { readonly result: string; readonly sealer?: string; readonly sealerDmarc?: string };
  /** Absent when no DMARC evaluation took place (no single From domain). */
  readonly dmarc?: { readonly result: string; readonly domain: string; readonly policy: DmarcPolicy; readonly pct: number };
  /** The Authentication-Results rows, in order. */
  readonly rows: readonly string[];
}

/** RFC 8301 §3.2: verifiers MUST NOT accept RSA keys shorter than 1024 bits. */
const MIN_KEY_BITS = 1024;

export async function verifyMessage(input: VerifyInput, opts: VerifyOptions): Promise<AuthReport> {
  const heloDomain = isHeloDomain(input.helo) ? input.helo.toLowerCase() : undefined;
  // mailauth's DNSResolver type leaves out MX answers ({ exchange, priority }), which it does read.
  const common = { ip: input.clientIp, mta: opts.hostname, resolver: opts.resolver as DNSResolver };
  const [auth, helo] = await Promise.all([
    authenticate(input.message, {
      ...common,
      // RFC 7208 §2.4: the null reverse-path is checked as postmaster@HELO.
      ...(input.sender !== null ? { sender: input.sender } : {}),
      ...(input.helo !== '' ? { helo: input.helo } : {}),
      minBitLength: MIN_KEY_BITS,
      // BIMI is for mail clients showing logos, not for a relay's verdict.
      disableBimi: true,
    }),
    // RFC 7208 §2.3: the HELO identity is checked on its own when it is a domain.
    input.sender !== null && heloDomain ? spf({ ...common, sender: `postmaster@${heloDomain}`, helo: heloDomain }) : undefined,
  ]);
  return report(auth, helo, input);
}

/** A domain name, not an address literal or a bare word (RFC 7208 §2.3: HELO checks need a FQDN). */
function isHeloDomain(helo: string): boolean {
  return helo.includes('.') && !helo.startsWith('[') && isIP(helo) === 0;
}

function report(auth: AuthenticateResult, helo: SPFResult | undefined, input: VerifyInput): AuthReport {
  const identity = input.sender === null ? { 'smtp.helo': input.helo } : { 'smtp.mailfrom': input.sender };
  const mailFrom = auth.spf ? { result: auth.spf.status.result, domain: auth.spf.domain, why: auth.spf.status.comment } : { result: 'none', domain: '', why: undefined };
  const dkim = auth.dkim.results.map(dkimSummary);
  const rows = [...dkim.map((d) => d.row), resultRow('spf', mailFrom.result, mailFrom.why, identity)];
  // Our own SPF rows, not mailauth's: its row names both smtp.mailfrom and
  // smtp.helo, while RFC 8601 §2.7.2 has each spf row name the one identity it
  // checked, so the HELO result can stand beside the MAIL FROM one.
  if (helo) rows.push(resultRow('spf', helo.status.result, helo.status.comment, { 'smtp.helo': helo.domain }));
  const arc = arcSummary(auth.arc);
  if (auth.arc && auth.arc.info) rows.push(auth.arc.info);
  const dmarc = auth.dmarc ? dmarcSummary(auth.dmarc, mailFrom.result, auth.dkim.results) : undefined;
  if (dmarc) rows.push(dmarc.row);
  return {
    spf: { result: mailFrom.result, domain: mailFrom.domain },
    ...(helo ? { helo: { result: helo.status.result, domain: helo.domain } } : {}),
    dkim: dkim.map((d) => d.summary),
    arc,
    ...(dmarc ? { dmarc: dmarc.summary } : {}),
    rows,
  };
}

function arcSummary(arc: ARCResult | false): AuthReport['arc'] {
  if (!arc) return { result: 'none' };
  const seal = arc.chain?.[arc.chain.length - 1]?.['arc-seal']?.parsed as Record<string, { value?: unknown } | undefined> | undefined;
  const d = seal?.['d']?.value;
  const sealer = typeof d === 'string' ? d : arc.signature ? arc.signature.signingDomain : undefined;
  const sealerDmarc = (arc.authenticationResults as { dmarc?: { result?: string } } | undefined)?.dmarc?.result;
  return {
    result: arc.status.result,
    ...(sealer ? { sealer: sealer.toLowerCase() } : {}),
    ...(sealerDmarc ? { sealerDmarc: sealerDmarc.toLowerCase() } : {}),
  };
}

/**
 * A DKIM result as mailauth saw it, except a body hash mismatch: mailauth
 * (like Gmail) says neutral, RFC 6376 §6.1.3 makes it PERMFAIL, which is
 * RFC 8601 §2.7.1's fail ("failed the verification test").
 */
function dkimSummary(r: DKIMResult): { summary: AuthReport['dkim'][number]; row: string } {
  const bodyChanged = r.status.result === 'neutral' && r.status.comment === 'body hash did not verify';
  const result = bodyChanged ? 'fail' : r.status.result;
  const row = bodyChanged ? r.info.replace(/^dkim=neutral\b/, 'dkim=fail') : r.info;
  return { summary: { result, ...(r.signingDomain ? { domain: r.signingDomain } : {}) }, row };
}

/**
 * DMARC as mailauth saw it, except that a fail when SPF or a DKIM signature
 * could not be checked for a temporary error is temperror (RFC 7489 §11.2: "a
 * later attempt might produce a final result"): the missing identifier might
 * have passed aligned.
 */
function dmarcSummary(d: DMARCResult, spfResult: string, dkim: readonly DKIMResult[]): { summary: NonNullable<AuthReport['dmarc']>; row: string } {
  const unsure = d.status.result === 'fail' && (spfResult === 'temperror' || dkim.some((r) => r.status.result === 'temperror'));
  const result = unsure ? 'temperror' : d.status.result;
  const row = unsure ? d.info.replace(/^dmarc=fail\b/, 'dmarc=temperror') : d.info;
  return { summary: { result, domain: d.domain, policy: dmarcPolicy(d.policy), pct: dmarcPct(d.pct) }, row };
}

/** RFC 7489 §6.3: p is none, quarantine or reject; anything else is treated as none (§6.6.3). */
function dmarcPolicy(p: string | undefined): DmarcPolicy {
  const v = (p ?? '').trim().toLowerCase();
  return v === 'reject' || v === 'quarantine' ? v : 'none';
}

/** RFC 7489 §6.3: pct is 0-100, 100 when absent. */
function dmarcPct(pct: number | undefined): number {
  return typeof pct === 'number' && Number.isFinite(pct) ? Math.max(0, Math.min(100, pct)) : 100;
}
