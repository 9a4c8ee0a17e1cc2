import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiProblem } from '../problem.js';
import type { ApiRequest } from '../route.js';
import { headerFields, messageHeadersRoute } from './message-headers.js';

const message = Buffer.from(
  [
    'Authentication-Results: mx.baton.test;',
    '\tspf=pass (designates 192.0.2.1) smtp.mailfrom=a@sender.test;',
    '\tdkim=fail (body hash did not verify) header.d=sender.test;',
    '\tdmarc=fail header.from=sender.test',
    'Authentication-Results: upstream.example; spf=fail smtp.mailfrom=a@sender.test',
    'Subject: <img src=x onerror=alert(1)>',
    '  continued',
    'From: a@sender.test',
    'X-Encoded: =?UTF-8?Q?caf=C3=A9?= ok',
    '',
    'Not-A-Header: body text',
    '',
  ].join('\r\n'),
);

const call = (bodies: Record<string, Buffer>, hostname = 'mx.baton.test') =>
  messageHeadersRoute({ queue: { readBody: async (id) => bodies[id] }, config: { hostname } }).handler({ params: { id: 'q1' } } as unknown as ApiRequest);

test('header fields are unfolded and stop at the empty line', () => {
  const fields = headerFields(message);
  assert.deepEqual(
    fields.map((f) => f.name),
    ['Authentication-Results', 'Authentication-Results', 'Subject', 'From', 'X-Encoded'],
  );
  assert.equal(fields[2]?.value, '<img src=x onerror=alert(1)>  continued');
});

test('authResults come from the field naming our hostname only; another server\'s verdicts are not taken for ours', async () => {
  const r = await call({ q1: message });
  const body = r.body as { authResults: { method: string; result: string }[] | null; headers: unknown[] };
  assert.deepEqual(
    body.authResults?.map((a) => `${a.method}=${a.result}`),
    ['spf=pass', 'dkim=fail', 'dmarc=fail'],
  );
  assert.equal(body.headers.length, 5);
  assert.deepEqual(body.headers[4], { name: 'X-Encoded', value: '=?UTF-8?Q?caf=C3=A9?= ok', decoded: 'café ok' }, 'encoded-words decoded beside the value as received');
  assert.equal((body.headers[3] as { decoded?: string }).decoded, undefined);
  const other = (await call({ q1: message }, 'other.host')).body as { authResults: unknown };
  assert.equal(other.authResults, null, 'no field names other.host: nothing checked by us');
  await assert.rejects(Promise.resolve(call({})), (e: unknown) => e instanceof ApiProblem && e.kind === 'not-found');
});
