import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startBaton, type Baton, type Role } from '../helpers/baton.js';
import { attemptRenegotiation } from '../helpers/openssl-client.js';
import { testssl, type TestsslFinding } from '../helpers/testssl.js';

/**
 * TLS on every listener, by default config, judged by tools we did not write:
 * OpenSSL's s_client tries a client-initiated renegotiation (a CPU lever,
 * CVE-2011-1473), and Debian's testssl.sh checks protocols, cipher categories
 * and the known vulnerabilities on mx and submission (STARTTLS) and
 * submissions (implicit TLS, RFC 8314).
 */

const ROLES: readonly { role: Role; starttls: boolean }[] = [
  { role: 'mx', starttls: true },
  { role: 'submission', starttls: true },
  { role: 'submissions', starttls: false },
];

let b: Baton;

before(async () => {
  b = await startBaton({ config: { listeners: ROLES.map(({ role }) => ({ role })) } });
});

after(async () => {
  await b?.stop();
});

describe('client-initiated TLS renegotiation', () => {
  for (const { role, starttls } of ROLES) {
    test(`is refused on ${role} (${starttls ? 'STARTTLS' : 'implicit TLS'}) with a no_renegotiation alert`, async () => {
      const r = await attemptRenegotiation(b.ports[role] as number, { starttls });
      assert.ok(r.output.includes('RENEGOTIATING'), `s_client got to ask for it:\n${r.output}`);
      assert.equal(r.renegotiated, false, `the session went on after renegotiating:\n${r.output}`);
      assert.match(r.output, /no renegotiation/, 'the server answered with the no_renegotiation alert');
    });
  }
});

/** testssl.sh ids that must be present and judged OK or INFO: each a known attack or weakness. */
const MUST_PASS = [
  'SSLv2', 'SSLv3', 'TLS1', 'TLS1_1',
  'cipherlist_NULL', 'cipherlist_aNULL', 'cipherlist_EXPORT', 'cipherlist_LOW', 'cipherlist_3DES_IDEA',
  'heartbleed', 'CCS', 'ROBOT', 'secure_renego', 'secure_client_renego', 'CRIME_TLS', 'POODLE_SSL', 'fallback_SCSV',
  'SWEET32', 'FREAK', 'DROWN', 'LOGJAM', 'BEAST', 'LUCKY13', 'RC4',
];
/** Protocols and cipher categories that must not be offered at all. */
const NOT_OFFERED = ['SSLv2', 'SSLv3', 'TLS1', 'TLS1_1', 'cipherlist_NULL', 'cipherlist_aNULL', 'cipherlist_EXPORT', 'cipherlist_LOW', 'cipherlist_3DES_IDEA'];
/** testssl's own remark that this openssl build has no GOST engine: about the tool, not the server. */
const TOOL_NOTES = new Set(['engine_problem']);

describe('testssl.sh', () => {
  test('finds no SSLv3/TLS 1.0/1.1, no weak cipher and no known vulnerability on mx, submission and submissions', { timeout: 600_000 }, async () => {
    const results = await Promise.all(ROLES.map(async ({ role, starttls }) => ({ role, findings: await testssl(b.ports[role] as number, { starttls }) })));
    for (const { role, findings } of results) {
      const byId = new Map(findings.map((f) => [f.id, f]));
      const show = (f: TestsslFinding | undefined) => (f ? `${f.id} ${f.severity}: ${f.finding}` : 'missing');
      for (const id of MUST_PASS) {
        const f = byId.get(id);
        assert.ok(f && (f.severity === 'OK' || f.severity === 'INFO'), `${role}: ${show(f)}`);
      }
      for (const id of NOT_OFFERED) assert.match(byId.get(id)?.finding ?? '', /^not offered/, `${role}: ${show(byId.get(id))}`);
      assert.match(byId.get('secure_client_renego')?.finding ?? '', /^not vulnerable/, `${role}: ${show(byId.get('secure_client_renego'))}`);
      assert.match(byId.get('TLS1_2')?.finding ?? '', /^offered/, `${role}: TLS 1.2 is offered`);
      // DEBUG is testssl talking about itself (on implicit TLS it cannot tell SMTP from other services), not a finding.
      const flagged = findings.filter((f) => !TOOL_NOTES.has(f.id) && !['OK', 'INFO', 'DEBUG'].includes(f.severity));
      assert.deepEqual(flagged.map(show), [], `${role}: testssl flagged something`);
    }
  });
});
