import type { SegmentSql, SqlDialect } from '../types.js';
import { sinceMs, type AttrCondition, type AttrValue, type Condition, type SegmentFilter } from './segment-filter.js';

/**
 * A segment filter compiled to a boolean SQL expression over the contacts
 * tables (contacts/contact-migrations.ts, alias `c`), on SQLite or
 * PostgreSQL. Every value and attribute name is a bound parameter: the SQL
 * text holds only what this file writes, so no filter can inject SQL.
 *
 * Both dialects give the same answer on the same rows (a differential test
 * checks it): a comparison applies only to an attribute of the matching JSON
 * type (a number to a number, text to a string), and a condition on a missing
 * attribute is false, never NULL, so `ne` and `not` mean "everyone else".
 * On PostgreSQL `eq` is a containment (`attributes @> {"k": v}`), which the
 * GIN index on attributes serves.
 */
export function compileSegment(filter: SegmentFilter, dialect: SqlDialect, now: number): SegmentSql {
  const params: unknown[] = [];
  const p = (v: unknown, pgType: string): string => {
    params.push(v);
    return dialect === 'sqlite' ? '?' : `$${params.length}::${pgType}`;
  };
  const c = new Compiler(dialect, p, now);
  return { where: c.condition(filter), params };
}

/** `SELECT c.id FROM contacts c WHERE …` in id order: how sending/ materializes a campaign's audience. */
export function segmentAudienceSql(filter: SegmentFilter, dialect: SqlDialect, now: number): { sql: string; params: readonly unknown[] } {
  const { where, params } = compileSegment(filter, dialect, now);
  return { sql: `SELECT c.id FROM contacts c WHERE ${where} ORDER BY c.id`, params };
}

type Param = (v: unknown, pgType: string) => string;

class Compiler {
  constructor(
    private readonly dialect: SqlDialect,
    private readonly p: Param,
    private readonly now: number,
  ) {}

  condition(c: Condition): string {
    if ('all' in c) return c.all.length === 0 ? this.truth(true) : `(${c.all.map((x) => this.condition(x)).join(' AND ')})`;
    if ('any' in c) return c.any.length === 0 ? this.truth(false) : `(${c.any.map((x) => this.condition(x)).join(' OR ')})`;
    if ('not' in c) return `(NOT ${this.condition(c.not)})`;
    if ('list' in c) {
      return `EXISTS (SELECT 1 FROM list_members m WHERE m.list_id = ${this.p(c.list, 'bigint')} AND m.contact_id = c.id AND m.status = 'subscribed')`;
    }
    if ('event' in c) {
      const event = this.p(c.event, 'text');
      const since = this.p(this.now - sinceMs(c.since), 'bigint');
      return `EXISTS (SELECT 1 FROM contact_activity a WHERE a.address = c.address AND a.event = ${event} AND a.last_at >= ${since})`;
    }
    return this.dialect === 'sqlite' ? this.sqliteAttr(c) : this.pgAttr(c);
  }

  private truth(v: boolean): string {
    return this.dialect === 'sqlite' ? (v ? '1' : '0') : v ? 'TRUE' : 'FALSE';
  }

  /** json_type is NULL for a missing key: every branch is wrapped so the result is 0/1, never NULL. */
  private sqliteAttr(c: AttrCondition): string {
    const path = `$."${c.attr}"`;
    const type = () => `json_type(c.attributes, ${this.p(path, '')})`;
    const val = () => `json_extract(c.attributes, ${this.p(path, '')})`;
    const v = c.value as AttrValue;
    switch (c.op) {
      case 'exists':
        return `(${type()} IS NOT NULL)`;
      case 'eq':
        return this.sqliteEq(type, val, v);
      case 'ne':
        return `(NOT ${this.sqliteEq(type, val, v)})`;
      case 'lt':
      case 'gt': {
        const cmp = c.op === 'lt' ? '<' : '>';
        if (typeof v === 'number') return `COALESCE(${type()} IN ('integer', 'real') AND ${val()} ${cmp} ${this.p(v, '')}, 0)`;
        return `COALESCE(${type()} = 'text' AND ${val()} ${cmp} ${this.p(v, '')}, 0)`;
      }
      case 'contains': {
        // Built in text order: SQLite's `?` parameters bind by position.
        const head = `COALESCE(CASE ${type()} `;
        const sub = typeof v === 'string' ? `WHEN 'text' THEN instr(${val()}, ${this.p(v, '')}) > 0 ` : '';
        const member = `EXISTS (SELECT 1 FROM json_each(c.attributes, ${this.p(path, '')}) e WHERE ${sqliteTyped('e.type', 'e.value', v, this.p)})`;
        return `${head}${sub}WHEN 'array' THEN ${member} ELSE 0 END, 0)`;
      }
    }
  }

  private sqliteEq(type: () => string, val: () => string, v: AttrValue): string {
    return `COALESCE(${sqliteTyped(type(), typeof v === 'boolean' ? '' : val(), v, this.p)}, 0)`;
  }

  private pgAttr(c: AttrCondition): string {
    const key = () => this.p(c.attr, 'text');
    const v = c.value as AttrValue;
    switch (c.op) {
      case 'exists':
        return `(c.attributes ? ${key()})`;
      case 'eq':
        return `(c.attributes @> ${this.p(JSON.stringify({ [c.attr]: v }), 'jsonb')})`;
      case 'ne':
        return `(NOT c.attributes @> ${this.p(JSON.stringify({ [c.attr]: v }), 'jsonb')})`;
      case 'lt':
      case 'gt': {
        const cmp = c.op === 'lt' ? '<' : '>';
        // CASE, not AND: the cast must not run on a value that is not a number.
        if (typeof v === 'number') return `COALESCE(CASE WHEN jsonb_typeof(c.attributes -> ${key()}) = 'number' THEN (c.attributes ->> ${key()})::numeric ${cmp} ${this.p(v, 'numeric')} END, FALSE)`;
        // COLLATE "C": byte order, as SQLite's BINARY compares.
        return `COALESCE(CASE WHEN jsonb_typeof(c.attributes -> ${key()}) = 'string' THEN (c.attributes ->> ${key()}) COLLATE "C" ${cmp} ${this.p(v, 'text')} END, FALSE)`;
      }
      case 'contains': {
        const sub = typeof v === 'string' ? `WHEN 'string' THEN strpos(c.attributes ->> ${key()}, ${this.p(v, 'text')}) > 0 ` : '';
        // A one-element array: containment in an array is top-level element membership.
        return `COALESCE(CASE jsonb_typeof(c.attributes -> ${key()}) ${sub}WHEN 'array' THEN (c.attributes -> ${key()}) @> ${this.p(JSON.stringify([v]), 'jsonb')} ELSE FALSE END, FALSE)`;
      }
    }
  }
}

/** A SQLite JSON value of the same type as `v` and equal to it (booleans are JSON types of their own, not 0/1). */
function sqliteTyped(type: string, val: string, v: AttrValue, p: Param): string {
  if (typeof v === 'boolean') return `${type} = ${v ? "'true'" : "'false'"}`;
  if (typeof v === 'number') return `(${type} IN ('integer', 'real') AND ${val} = ${p(v, '')})`;
  return `(${type} = 'text' AND ${val} = ${p(v, '')})`;
}
