// One analysis per output folder at a time: a lock file in the result store naming its owner (pid, start
// time, host). It is created complete in one step (a hard link of a written file), so a reader never sees a
// half-written lock; the lock of a process that is gone (pid absent, or reused by a process with another start
// time) is taken over.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { currentProcess, isAlive, ownerTag, ProcessIdentity } from './processIdentity';
import { makeFolder } from './resultStore';

export const LOCK_FILE = 'lock';

export interface LockOwner extends ProcessIdentity {
  /** When the owner took the lock (ISO time). */
  since: string;
  /** Which output folder it is writing (for the message of a waiting run). */
  output: string;
  nonce: string;
}

/** The output folder is being written by another live process, and we did not (or no longer) wait. */
export class ResultLockedError extends Error {
  constructor(readonly owner: LockOwner, waitedSeconds: number) {
    super(`${owner.output} is being written by another analysis (process ${owner.pid} on ${owner.host}, started ${owner.since})` +
      (waitedSeconds > 0 ? `; still busy after waiting ${waitedSeconds} s` : '') +
      `: try again when it has finished${waitedSeconds > 0 ? ', or wait longer with --wait SECONDS' : ' (or use --wait SECONDS)'}`);
    this.name = 'ResultLockedError';
  }
}

export interface LockOptions {
  /** How long to wait for a live holder (ms); 0: fail at once. */
  waitMs: number;
  /** Called once when the lock is held by someone else and we start waiting. */
  onWait?: (owner: LockOwner) => void;
  signal?: AbortSignal;
}

export interface HeldLock {
  release(): void;
}

const POLL_MS = 200;

function readOwner(file: string): { owner?: LockOwner; text: string } | undefined {
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch { return undefined; } // gone meanwhile
  try { return { owner: JSON.parse(text) as LockOwner, text }; } catch { return { text }; }
}

/** Takes over the lock whose content was `stale`, unless someone replaced it meanwhile (then puts that back). */
function takeOver(file: string, stale: string): void {
  const moved = `${file}.stale-${ownerTag(currentProcess())}-${crypto.randomBytes(3).toString('hex')}`;
  try { fs.renameSync(file, moved); } catch { return; } // someone else removed it first
  let text = '';
  try { text = fs.readFileSync(moved, 'utf8'); } catch { /* nothing */ }
  if (text !== stale) {
    try { fs.linkSync(moved, file); } catch { /* a third run took the free lock meanwhile */ }
  }
  fs.rmSync(moved, { force: true });
}

export async function acquireResultLock(storeDir: string, output: string, options: LockOptions): Promise<HeldLock> {
  makeFolder(storeDir);
  const file = path.join(storeDir, LOCK_FILE);
  const me: LockOwner = { ...currentProcess(), since: new Date().toISOString(), output, nonce: crypto.randomBytes(8).toString('hex') };
  const mine = JSON.stringify(me) + '\n';
  const tmp = `${file}.new-${ownerTag(me)}-${me.nonce}`;
  fs.writeFileSync(tmp, mine);
  const deadline = Date.now() + options.waitMs;
  let told = false;
  try {
    for (;;) {
      try {
        fs.linkSync(tmp, file);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const held = readOwner(file);
      if (!held) continue;
      if (!held.owner || !isAlive(held.owner)) { takeOver(file, held.text); continue; }
      if (options.signal?.aborted) throw new Error('cancelled');
      if (Date.now() >= deadline) throw new ResultLockedError(held.owner, Math.round(options.waitMs / 1000));
      if (!told) { told = true; options.onWait?.(held.owner); }
      await new Promise(r => setTimeout(r, POLL_MS));
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return {
    release() {
      const now = readOwner(file);
      if (now?.text === mine) fs.rmSync(file, { force: true });
    },
  };
}
