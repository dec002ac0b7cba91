// Who owns a lock or a staging folder: a process id plus that process's start time, so that a pid reused by
// an unrelated later process is never mistaken for the owner. Liveness is asked of the operating system.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';

export interface ProcessIdentity {
  pid: number;
  /** The process's start time as the OS reports it (Linux: clock ticks since boot; elsewhere `ps` lstart),
   *  letters and digits only. */
  start: string;
  host: string;
}

/** Start time of process `pid`, or undefined when it does not exist or the OS cannot tell. */
export function processStartTime(pid: number): string | undefined {
  if (process.platform === 'linux') {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
      // the command name (field 2) may contain spaces and parentheses: fields are counted after the last ')'
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return fields[19]; // field 22 of stat: starttime
    } catch {
      return undefined;
    }
  }
  if (process.platform === 'win32') return undefined;
  const r = spawnSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', timeout: 5000 });
  const text = r.status === 0 ? r.stdout.replace(/[^0-9A-Za-z]+/g, '') : '';
  return text || undefined;
}

let self: ProcessIdentity | undefined;

export function currentProcess(): ProcessIdentity {
  self ??= { pid: process.pid, start: processStartTime(process.pid) ?? '', host: os.hostname() };
  return self;
}

/**
 * Whether the process named by `owner` is still running. A process on another host cannot be checked and
 * counts as alive (its lock is never taken over); a pid that now belongs to a process with another start
 * time is dead (the pid was reused).
 */
export function isAlive(owner: ProcessIdentity): boolean {
  if (owner.host !== os.hostname()) return true;
  if (owner.pid === process.pid) return owner.start === currentProcess().start;
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    // EPERM: it exists but belongs to another user
  }
  const start = processStartTime(owner.pid);
  if (start === undefined) return process.platform !== 'linux'; // Linux: no /proc entry = gone
  return !owner.start || start === owner.start;
}

/** `<pid>-<start>`: the owner as written into staging-folder names (start has only letters and digits). */
export function ownerTag(owner: ProcessIdentity): string {
  return `${owner.pid}-${owner.start}`;
}

/** The owner named by a tag of this host, or undefined when `tag` is not one. */
export function ownerFromTag(tag: string): ProcessIdentity | undefined {
  const m = /^(\d+)-([0-9A-Za-z]*)$/.exec(tag);
  return m ? { pid: Number(m[1]), start: m[2], host: os.hostname() } : undefined;
}
