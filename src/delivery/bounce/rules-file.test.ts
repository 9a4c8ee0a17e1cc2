import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { makeReply } from '../../core/index.js';
import { loadBounceClassifier, parseBounceRules } from './rules-file.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-rules-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('bounces.rules files', () => {
  test('a YAML file\'s rules go before the shipped ones; text is a case-insensitive regular expression', async () => {
    const path = join(dir, 'rules.yaml');
    writeFileSync(path, '- name: partner-quota\n  code: "550"\n  text: "MAILBOX QUOTA"\n  kind: soft\n  category: mailbox-full\n');
    const c = await loadBounceClassifier(path);
    assert.deepEqual(c.classify(makeReply(550, '5.1.1', 'user over mailbox quota')), { kind: 'soft', category: 'mailbox-full', rule: 'partner-quota' });
    assert.equal(c.classify(makeReply(550, '5.1.1', 'User unknown')).rule, 'status-bad-mailbox');
  });

  test('JSON works too (it is YAML)', () => {
    assert.equal(parseBounceRules('[{"name":"j","status":"5.7.*","category":"policy"}]', 'x.json')[0]?.status, '5.7.*');
  });

  test('mistakes are refused with the file, the rule and the field', async () => {
    assert.throws(() => parseBounceRules('- name: a\n  category: nonsense\n  code: "550"\n', 'r.yaml'), /r\.yaml[\s\S]*0\.category/);
    assert.throws(() => parseBounceRules('- name: a\n  category: policy\n', 'r.yaml'), /at least one of code, status, text/);
    assert.throws(() => parseBounceRules('- name: a\n  category: policy\n  text: "("\n', 'r.yaml'), /0\.text: not a valid regular expression/);
    assert.throws(() => parseBounceRules('- name: a\n  category: policy\n  status: "5.1"\n', 'r.yaml'), /0\.status/);
    assert.throws(() => parseBounceRules('- name: [unclosed\n', 'r.yaml'), /bounce rules r\.yaml/);
    await assert.rejects(loadBounceClassifier(join(dir, 'missing.yaml')), /bounces\.rules: cannot read .*missing\.yaml: ENOENT/);
  });
});
