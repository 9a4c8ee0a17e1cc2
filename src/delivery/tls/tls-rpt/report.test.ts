import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import PostalMime from 'postal-mime';
import { z } from 'zod';
import { buildReport, gzipReport, reportFileName } from './report.js';
import { buildReportMail } from './report-mail.js';
import { count } from './tlsrpt-store.contract.js';
import type { ReportPolicy } from './tlsrpt-store.js';

/** The report fields of RFC 8460 §4.4 with their types; the optional ones are the RFC's optional ones, and no other key is allowed. */
const rfc8460Report = z.strictObject({
  'organization-name': z.string().min(1),
  'date-range': z.strictObject({ 'start-datetime': z.iso.datetime(), 'end-datetime': z.iso.datetime() }),
  'contact-info': z.string().min(1),
  'report-id': z.string().min(1),
  policies: z.array(
    z.strictObject({
      policy: z.strictObject({
        'policy-type': z.enum(['tlsa', 'sts', 'no-policy-found']),
        'policy-string': z.array(z.string()).optional(),
        'policy-domain': z.string().min(1),
        'mx-host': z.array(z.string()).optional(),
      }),
      summary: z.strictObject({ 'total-successful-session-count': z.number().int().min(0), 'total-failure-session-count': z.number().int().min(0) }),
      'failure-details': z
        .array(
          z.strictObject({
            'result-type': z.string(),
            'sending-mta-ip': z.string().optional(),
            'receiving-mx-hostname': z.string().optional(),
            'receiving-mx-helo': z.string().optional(),
            'receiving-ip': z.string().optional(),
            'failed-session-count': z.number().int().min(1),
            'additional-information': z.string().optional(),
            'failure-reason-code': z.string().optional(),
          }),
        )
        .optional(),
    }),
  ),
});

const STS: ReportPolicy = { type: 'sts', domain: 'a.test', strings: ['version: STSv1', 'mode: testing', 'mx: *.a.test', 'max_age: 86400'], mxHost: ['*.a.test'] };
const TLSA: ReportPolicy = { type: 'tlsa', domain: 'mx1.a.test', strings: ['3 1 1 0123abcd'], mxHost: [] };
const header = { organization: 'Example Org', contact: 'mailto:postmaster@baton.test', submitter: 'baton.test' };

const counts = [
  count({ policy: STS, count: 5 }),
  count({ policy: STS, resultType: 'certificate-expired', count: 2 }),
  count({ policy: STS, resultType: 'certificate-expired', receivingMx: 'mx2.a.test', receivingIp: '127.0.0.6', count: 1 }),
  count({ policy: TLSA, resultType: 'tlsa-invalid', count: 3 }),
  count({ policy: TLSA, count: 4 }),
  count({ reportDomain: 'b.test', count: 9 }),
  count({ day: '2026-03-02', count: 9 }),
];

test('the report has RFC 8460 §4.4 shape: a UTC day, one entry per policy with summary and failure details', () => {
  const report = buildReport('2026-03-01', 'a.test', counts, header);
  rfc8460Report.parse(report);
  assert.deepEqual(report['date-range'], { 'start-datetime': '2026-03-01T00:00:00Z', 'end-datetime': '2026-03-01T23:59:59Z' });
  assert.equal(report['organization-name'], 'Example Org');
  assert.equal(report['contact-info'], 'mailto:postmaster@baton.test');
  assert.equal(report['report-id'], '2026-03-01T00:00:00Z_a.test@baton.test');
  assert.equal(report.policies.length, 2, 'other days and domains left out');
  const sts = report.policies.find((p) => p.policy['policy-type'] === 'sts');
  assert.deepEqual(sts, {
    policy: { 'policy-type': 'sts', 'policy-string': STS.strings, 'policy-domain': 'a.test', 'mx-host': ['*.a.test'] },
    summary: { 'total-successful-session-count': 5, 'total-failure-session-count': 3 },
    'failure-details': [
      { 'result-type': 'certificate-expired', 'receiving-mx-hostname': 'mx1.a.test', 'receiving-ip': '127.0.0.5', 'failed-session-count': 2 },
      { 'result-type': 'certificate-expired', 'receiving-mx-hostname': 'mx2.a.test', 'receiving-ip': '127.0.0.6', 'failed-session-count': 1 },
    ],
  });
  const tlsa = report.policies.find((p) => p.policy['policy-type'] === 'tlsa');
  assert.deepEqual(tlsa?.summary, { 'total-successful-session-count': 4, 'total-failure-session-count': 3 });
  assert.equal(tlsa?.policy['mx-host'], undefined, 'empty lists are left out');
});

test('a no-policy-found report with only successes has no failure details and still passes the schema', () => {
  const none: ReportPolicy = { type: 'no-policy-found', domain: 'b.test', strings: [], mxHost: [] };
  const report = buildReport('2026-03-01', 'b.test', [count({ reportDomain: 'b.test', policy: none, count: 9 })], header);
  rfc8460Report.parse(report);
  assert.deepEqual(report.policies[0], { policy: { 'policy-type': 'no-policy-found', 'policy-domain': 'b.test' }, summary: { 'total-successful-session-count': 9, 'total-failure-session-count': 0 } });
});

test('gzip round-trip gives back the same JSON; the file name is RFC 8460 §5.3 submitter!domain!begin!end.json.gz', () => {
  const report = buildReport('2026-03-01', 'a.test', counts, header);
  const gz = gzipReport(report);
  assert.deepEqual([gz[0], gz[1]], [0x1f, 0x8b]);
  assert.deepEqual(JSON.parse(gunzipSync(gz).toString('utf8')), report);
  assert.equal(reportFileName(report, 'baton.test', 'a.test'), 'baton.test!a.test!1772323200!1772409599.json.gz');
});

test('the mailed report is multipart/report; report-type="tlsrpt" with the gzip as application/tlsrpt+gzip and the §5.3 header fields', async () => {
  const report = buildReport('2026-03-01', 'a.test', counts, header);
  const gzipped = gzipReport(report);
  const raw = buildReportMail({ from: 'noreply-tlsrpt@baton.test', to: 'tlsrpt@a.test', domain: 'a.test', submitter: 'baton.test', report, gzipped, at: Date.UTC(2026, 2, 2, 1) });
  assert.ok(!/[^\r]\n/.test(raw.toString('latin1')), 'CRLF line ends only');
  const parsed = await PostalMime.parse(raw);
  const field = (name: string) => parsed.headers.find((h) => h.key === name)?.value;
  assert.match(field('content-type') ?? '', /^multipart\/report; report-type="tlsrpt"; boundary=/);
  assert.equal(parsed.subject, 'Report Domain: a.test Submitter: baton.test Report-ID: <2026-03-01T00:00:00Z_a.test@baton.test>');
  assert.equal(field('tls-report-domain'), 'a.test');
  assert.equal(field('tls-report-submitter'), 'baton.test');
  assert.equal(parsed.attachments.length, 1);
  const att = parsed.attachments[0];
  assert.equal(att?.mimeType, 'application/tlsrpt+gzip');
  assert.equal(att?.filename, 'baton.test!a.test!1772323200!1772409599.json.gz');
  assert.deepEqual(JSON.parse(gunzipSync(Buffer.from(att?.content as ArrayBuffer)).toString('utf8')), report);
});
