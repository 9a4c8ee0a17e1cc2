import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * Who holds a lease: "host:pid:start:random", where `start` is the process's
 * start time (Linux /proc/PID/stat field 22, clock ticks since boot). A node
 * that restarts after a crash (kill -9) takes over the leases of its dead
 * predecessors on the same host at once instead of waiting out the lease.
 *
 * Dead means: no such process, a zombie (after kill -9 the PID lingers until
 * its parent reaps it, and kill(pid, 0) still succeeds), or a different
 * process that reused the PID (its start time differs).
 */

/** This process's lease owner name. */
export function newLeaseOwner(): string {
  const self = readStat(process.pid);
  const start = self === undefined || self === 'gone' ? '0' : self.start;
  return [hostname(), process.pid, start, randomBytes(4).toString('hex')].join(':');
}

/**
 * Whether `owner` names a process on this host that is gone. Owners of other
 * hosts are never judged here: they expire with their lease. Names without a
 * start time ("host:pid:random", older versions) are judged by the PID alone.
 */
export function isDeadLocalOwner(owner: string, self: string): boolean {
  const parts = owner.split(':');
  const [host, pidText] = parts;
  if (owner === self || host !== self.split(':')[0]) return false;
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return true;
  const stat = readStat(pid);
  if (stat === undefined) return !pidAnswers(pid);
  if (stat === 'gone' || stat.state === 'Z' || stat.state === 'X') return true;
  const start = parts.length >= 4 ? parts[2] : undefined;
  return start !== undefined && start !== '0' && start !== stat.start;
}

type Stat = { readonly state: string; readonly start: string } | 'gone';

/** undefined when /proc cannot be read at all (not Linux): the caller falls back to kill(pid, 0). */
function readStat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return readableProc() ? 'gone' : undefined;
    return undefined;
  }
  // "pid (comm) state ppid ...": comm may hold spaces and ")", so split after the last ")".
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const start = fields[19]; // field 22 of proc(5), counted from field 3 (state)
  return state !== undefined && start !== undefined ? { state, start } : undefined;
}

function readableProc(): boolean {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
}

function pidAnswers(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but is not ours to signal.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
