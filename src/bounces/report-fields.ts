/**
 * The header-style fields of report parts: message/delivery-status (RFC 3464
 * §2.1: a group of per-message fields, then one group per recipient, groups
 * separated by blank lines), message/feedback-report (RFC 5965 §3: one
 * group) and the header of an enclosed original (text/rfc822-headers, RFC
 * 6522 §4). Folded lines are unfolded (RFC 5322 §2.2.3); names are lower case;
 * a field that occurs more than once keeps every value.
 */
export type FieldGroup = ReadonlyMap<string, readonly string[]>;

export function parseFieldGroups(text: string): FieldGroup[] {
  const groups: FieldGroup[] = [];
  let current = new Map<string, string[]>();
  let last: { name: string; values: string[] } | undefined;
  const close = () => {
    if (current.size > 0) groups.push(current);
    current = new Map();
    last = undefined;
  };
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') {
      close();
      continue;
    }
    if ((line.startsWith(' ') || line.startsWith('\t')) && last) {
      const i = last.values.length - 1;
      last.values[i] = `${last.values[i] ?? ''} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue; // not a field: skipped rather than failing the whole report
    const name = line.slice(0, colon).trim().toLowerCase();
    const values = current.get(name) ?? [];
    values.push(line.slice(colon + 1).trim());
    current.set(name, values);
    last = { name, values };
  }
  close();
  return groups;
}

/** The header of a message: its first field group, up to the first blank line. */
export function parseHeader(message: string): FieldGroup {
  const end = message.search(/\r?\n\r?\n/);
  return parseFieldGroups(end < 0 ? message : message.slice(0, end))[0] ?? new Map();
}

export function first(group: FieldGroup | undefined, name: string): string | undefined {
  return group?.get(name)?.[0];
}

/**
 * "rfc822; alice@example.com" → "alice@example.com" (RFC 3464 §2.3.2
 * address-type; RFC 5965 uses bare addresses): the address, without angle
 * brackets, or undefined when it is not an Internet address.
 */
export function typedAddress(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const semi = value.indexOf(';');
  if (semi >= 0 && !/^\s*rfc822\s*$/i.test(value.slice(0, semi))) return undefined;
  const address = (semi >= 0 ? value.slice(semi + 1) : value).trim().replace(/^<(.*)>$/, '$1').trim();
  return /^[^\s@<>]+@[^\s@<>]+$/.test(address) ? address : undefined;
}
