import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePrometheusText, sumOf } from '../../test/helpers/prom-text.js';

/** The tests' exposition parser must refuse what a scraper would refuse, or its passes prove nothing. */
const good = `# HELP a_total Things.
# TYPE a_total counter
a_total{k="x \\"q\\" \\\\ \\n"} 3
a_total{k="y"} 1.5e1
# TYPE h histogram
h_bucket{le="0.1"} 1
h_bucket{le="+Inf"} 2
h_sum 0.3
h_count 2
`;

test('a valid exposition parses, with escapes and histograms', () => {
  const m = parsePrometheusText(good);
  assert.equal(m.get('a_total')?.samples[0]?.labels['k'], 'x "q" \\ \n');
  assert.equal(sumOf(m, 'a_total'), 18);
  assert.equal(sumOf(m, 'h_count'), 2);
});

const bad: [string, string][] = [
  ['no final line feed', good.trimEnd()],
  ['a sample without TYPE', 'x 1\n'],
  ['a bad value', '# TYPE a gauge\na one\n'],
  ['an unquoted label', '# TYPE a gauge\na{k=x} 1\n'],
  ['a bad escape', '# TYPE a gauge\na{k="\\t"} 1\n'],
  ['a duplicate series', '# TYPE a gauge\na{k="x"} 1\na{k="x"} 2\n'],
  ['a family split in two', '# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\n# TYPE a gauge\n'],
  ['a negative counter', '# TYPE a_total counter\na_total -1\n'],
  ['buckets not cumulative', '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_count 1\n'],
  ['no +Inf bucket', '# TYPE h histogram\nh_bucket{le="1"} 1\nh_count 1\n'],
  ['+Inf bucket differs from count', '# TYPE h histogram\nh_bucket{le="+Inf"} 1\nh_count 2\n'],
  ['a bad metric name', '# TYPE 1a gauge\n'],
];
for (const [what, text] of bad) {
  test(`the parser refuses ${what}`, () => assert.throws(() => parsePrometheusText(text)));
}
