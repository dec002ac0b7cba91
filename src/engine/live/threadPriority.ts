// Scheduling priority of the live watch's publication thread. A snapshot's refit and outputs (its fit pool, table and
// results.h5 threads) would otherwise compete for the cores on equal terms with the watch's reading of new files, and
// each file's update would wait behind them; at a lower priority they take only the time the reading leaves.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The nice value of the publication thread (and the threads it starts, which inherit it). */
export const PUBLICATION_NICE = 10;

/**
 * Lowers the calling thread's priority to `nice` when it is higher (Linux: each thread has its own nice value, found
 * through /proc/thread-self, and threads started afterwards inherit it; a thread already as low stays as it is).
 * Returns false where that is not possible (other systems), which leaves the priority as it was.
 */
export function lowerThisThreadPriority(nice = PUBLICATION_NICE): boolean {
  try {
    const task = fs.readlinkSync('/proc/thread-self'), tid = Number(path.basename(task));
    if (!Number.isInteger(tid) || tid <= 0) return false;
    if (!(niceOf(task) >= nice)) os.setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}

/** The calling thread's nice value (Linux), or undefined. */
export function thisThreadNice(): number | undefined {
  try {
    return niceOf(fs.readlinkSync('/proc/thread-self'));
  } catch {
    return undefined;
  }
}

/** The nice value of /proc/<task> (task: "pid/task/tid"). */
function niceOf(task: string): number {
  // stat: "pid (comm) state ..." – fields after the parenthesised name, nice is the 17th of them
  return Number(fs.readFileSync(`/proc/${task}/stat`, 'utf8').split(') ')[1].split(' ')[16]);
}
