/**
 * A strict parser of the Prometheus text exposition format 0.0.4
 * (prometheus.io/docs/instrumenting/exposition_formats): written for the
 * tests, independent of prom-client (which can only write it), and stricter
 * than a scraper: it throws on anything a scraper would have to guess at.
 * Checked: line syntax, names, label escaping, HELP/TYPE once per family and
 * before its samples, a family's samples together, no duplicate series,
 * counters and histogram buckets non-negative, buckets cumulative and
 * ending in le="+Inf" equal to _count.
 */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Family {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  readonly help: string;
  readonly samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const closed = new Set<string>();
  const series = new Set<string>();
  let current: string | undefined;
  const lines = text.split('\n');
  if (lines.at(-1) !== '') throw new Error('the exposition must end with a line feed');
  for (const [i, line] of lines.slice(0, -1).entries()) {
    const where = `line ${i + 1}: ${line}`;
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) continue; // a plain comment
      const [, kind, name, rest] = m as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`bad metric name, ${where}`);
      if (closed.has(name)) throw new Error(`family ${name} appears twice, ${where}`);
      if (current !== undefined && current !== name) closed.add(current);
      current = name;
      const f = families.get(name) ?? { name, type: 'untyped' as Family['type'], help: '', samples: [] };
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw new Error(`bad type, ${where}`);
        if (f.samples.length > 0) throw new Error(`TYPE after samples, ${where}`);
        families.set(name, { ...f, type: rest as Family['type'] });
      } else {
        families.set(name, { ...f, help: unescape(rest, false) });
      }
      continue;
    }
    const sample = parseSample(line, where);
    const family = familyOf(sample.name, families);
    if (!family) throw new Error(`sample without a TYPE, ${where}`);
    if (family.name !== current) throw new Error(`samples of ${family.name} are not together, ${where}`);
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (series.has(key)) throw new Error(`duplicate series, ${where}`);
    series.add(key);
    if ((family.type === 'counter' || sample.name.endsWith('_bucket') || sample.name.endsWith('_count')) && !(sample.value >= 0)) throw new Error(`negative count, ${where}`);
    family.samples.push(sample);
  }
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

/** The sum of a family's samples whose labels include `match` (e.g. a counter over all its label values). */
export function sumOf(families: Map<string, Family>, name: string, match: Readonly<Record<string, string>> = {}): number {
  const family = familyOf(name, families);
  if (!family) throw new Error(`no metric ${name}`);
  return family.samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0);
}

function familyOf(sampleName: string, families: Map<string, Family>): Family | undefined {
  const direct = families.get(sampleName);
  if (direct) return direct;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!sampleName.endsWith(suffix)) continue;
    const f = families.get(sampleName.slice(0, -suffix.length));
    if (f && (f.type === 'histogram' || f.type === 'summary')) return f;
  }
  return undefined;
}

function parseSample(line: string, where: string): Sample {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)( -?\d+)?$/.exec(line);
  if (!m) throw new Error(`bad sample line, ${where}`);
  const [, name, labelText, valueText] = m as unknown as [string, string, string | undefined, string];
  return { name, labels: labelText ? parseLabels(labelText.slice(1, -1), where) : {}, value: parseValue(valueText, where) };
}

function parseLabels(text: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new Error(`bad label, ${where}`);
    const name = text.slice(i, eq);
    if (!LABEL.test(name)) throw new Error(`bad label name "${name}", ${where}`);
    if (name in labels) throw new Error(`label ${name} twice, ${where}`);
    if (text[eq + 1] !== '"') throw new Error(`label value not quoted, ${where}`);
    let j = eq + 2;
    let raw = '';
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] === '\\') raw += text[j++];
      raw += text[j];
    }
    if (j >= text.length) throw new Error(`unterminated label value, ${where}`);
    labels[name] = unescape(raw, true);
    i = j + 1;
    if (i < text.length) {
      if (text[i] !== ',') throw new Error(`expected "," between labels, ${where}`);
      i++;
    }
  }
  return labels;
}

function unescape(s: string, quoted: boolean): string {
  return s.replace(/\\(.)/g, (_, c: string) => {
    if (c === 'n') return '\n';
    if (c === '\\') return '\\';
    if (c === '"' && quoted) return '"';
    throw new Error(`bad escape \\${c}`);
  });
}

function parseValue(text: string, where: string): number {
  // Prometheus reads values with Go's strconv.ParseFloat: Inf and NaN in any case
  // (prom-client writes "Nan" for an event-loop mean with no samples yet).
  if (/^\+?inf(inity)?$/i.test(text)) return Infinity;
  if (/^-inf(inity)?$/i.test(text)) return -Infinity;
  if (/^nan$/i.test(text)) return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`bad value, ${where}`);
  return Number(text);
}

function checkHistogram(f: Family): void {
  const groups = new Map<string, { buckets: [number, number][]; count?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const g = groups.get(key) ?? { buckets: [] };
    groups.set(key, g);
    if (s.name === `${f.name}_bucket`) {
      if (le === undefined) throw new Error(`${f.name}: bucket without le`);
      g.buckets.push([parseValue(le, f.name), s.value]);
    } else if (s.name === `${f.name}_count`) g.count = s.value;
  }
  for (const g of groups.values()) {
    for (let i = 1; i < g.buckets.length; i++) {
      const [prevLe, prev] = g.buckets[i - 1] as [number, number];
      const [le, n] = g.buckets[i] as [number, number];
      if (!(le > prevLe) || n < prev) throw new Error(`${f.name}: buckets not increasing and cumulative`);
    }
    const last = g.buckets.at(-1);
    if (!last || last[0] !== Infinity) throw new Error(`${f.name}: no le="+Inf" bucket`);
    if (g.count !== last[1]) throw new Error(`${f.name}: +Inf bucket differs from _count`);
  }
}
