// Atomic output files: data goes to a temporary file in the same folder, then one rename makes it visible,
// so a crash or a cancel never leaves half a result under the real name; a set of files (a result folder)
// is published as a whole.
import * as fs from 'fs';
import * as path from 'path';
import { linkTree, ResultStore } from './publish/resultStore';

let counter = 0;

export function temporaryName(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${counter++}`);
}

export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  const tmp = temporaryName(target);
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * A result folder being written: files go into a new run folder of the result store beside `folder`, and
 * commit() makes the whole run visible as `folder` in one rename (see publish/resultStore.ts). Nothing of an
 * older run survives a commit; a discarded or killed run is never visible.
 */
export class StagedOutput {
  readonly runId: string;
  /** Where write() puts files: the run folder, or a subfolder of it (subfolder()). */
  readonly dir: string;
  private readonly store: ResultStore;

  constructor(readonly folder: string, parent?: { staged: StagedOutput; name: string }) {
    if (parent) {
      this.store = parent.staged.store;
      this.runId = parent.staged.runId;
      this.dir = path.join(parent.staged.dir, parent.name);
      fs.mkdirSync(this.dir, { recursive: true });
    } else {
      this.store = new ResultStore(folder);
      const run = this.store.createRun();
      this.runId = run.id;
      this.dir = run.dir;
    }
  }

  /** A writer into `<folder>/<name>/` of the same run (published together with it). */
  subfolder(name: string): StagedOutput {
    return new StagedOutput(path.join(this.folder, name), { staged: this, name });
  }

  write(name: string, data: string | Uint8Array): void {
    fs.writeFileSync(path.join(this.dir, name), data);
  }

  /** Takes `<folder>/<name>/` of the published run into this run unchanged (hard links). */
  keepFromPublished(name: string): boolean {
    const from = path.join(this.folder, name);
    if (!fs.existsSync(path.join(from, 'summary.json'))) return false;
    linkTree(from, path.join(this.dir, name));
    return true;
  }

  /** Takes the published run's files that this run has not written and `keep` accepts (hard links, unchanged). */
  keepFilesFromPublished(keep: (name: string) => boolean): void {
    let names: string[];
    try { names = fs.readdirSync(this.folder); } catch { return; } // nothing published yet
    const written = new Set(fs.readdirSync(this.dir));
    for (const name of names) {
      if (written.has(name) || !keep(name) || !fs.statSync(path.join(this.folder, name)).isFile()) continue;
      fs.linkSync(path.join(this.folder, name), path.join(this.dir, name));
    }
  }

  /** Publishes the run: `folder` shows exactly this run's files from now on. */
  commit(): void {
    this.store.publish(this.runId);
  }

  /** commit(), the replaced run's files removed in parallel (ResultStore.publishReplacing): the same result, sooner. */
  async commitReplacing(): Promise<void> {
    await this.store.publishReplacing(this.runId);
  }

  discard(): void {
    this.store.discard(this.runId);
  }
}
