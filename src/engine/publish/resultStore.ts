// Atomic publication of a result folder. The visible path (`<data>/velo-calib`) is a symbolic link to one
// complete run folder in a hidden store beside it (`<data>/.velo-calib.runs/<run id>/`); a run writes its
// own folder there and publishes it by renaming a fresh link over the visible one. rename(2) of a link over
// a link is atomic, so a reader (or a kill at any instant) sees exactly the old run or exactly the new one.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { currentProcess, isAlive, ownerFromTag, ownerTag } from './processIdentity';

/** Suffix of the hidden store folder beside a visible result path. */
export const STORE_SUFFIX = '.runs';
const LEGACY_PREFIX = 'legacy-';
const LINK_PREFIX = 'link-';
/** Run ids: `<UTC time>-<owner pid>-<owner start>-<random>`; the owner part decides when clean-up may remove one. */
const RUN_ID = /^(\d{8}T\d{6}Z)-(\d+-[0-9A-Za-z]*)-[0-9a-f]{6}$/;
/** Links being made, and the temporary files of the lock (publish/resultLock.ts): `<kind>-<owner>-<random>`. */
const TEMPORARY = /^(link|lock\.new|lock\.stale)-(\d+-[0-9A-Za-z]*)-[0-9a-f]+$/;

export function storeFolder(visible: string): string {
  return path.join(path.dirname(visible), `.${path.basename(visible)}${STORE_SUFFIX}`);
}

/** True for names of store folders (hidden, `.runs`): readers and scan discovery skip them. */
export function isStoreName(name: string): boolean {
  return name.startsWith('.') && name.endsWith(STORE_SUFFIX);
}

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${ownerTag(currentProcess())}-${crypto.randomBytes(3).toString('hex')}`;
}

export class ResultStore {
  /** The path users and the extension open (a link once published). */
  readonly visible: string;
  readonly store: string;

  constructor(visible: string) {
    this.visible = followForeignLink(path.resolve(visible));
    this.store = storeFolder(this.visible);
  }

  /** Name of the run the visible path shows, or undefined when nothing is published (yet). */
  current(): string | undefined {
    try {
      const target = fs.readlinkSync(this.visible);
      return path.basename(target);
    } catch {
      return undefined;
    }
  }

  /** A new, empty run folder in the store; it becomes visible with publish(). */
  createRun(): { id: string; dir: string } {
    makeFolder(this.store);
    const id = newRunId();
    const dir = path.join(this.store, id);
    fs.mkdirSync(dir);
    return { id, dir };
  }

  /** Makes run `id` the visible result in one rename, then removes the run it replaced. */
  publish(id: string): void {
    this.migrate();
    this.removeReplaced(this.swap(id));
  }

  /** publish(), the replaced run's files removed in parallel: resolves when it is gone. On a file system mounted
   *  with `discard` an unlink waits for the device, and a run's ~130 files (177 MB for a full scan) one after
   *  another take 0.3–0.4 s, several at once about a third of that. */
  async publishReplacing(id: string): Promise<void> {
    this.migrate();
    const previous = this.swap(id);
    if (previous) await removeFolder(path.join(this.store, previous));
  }

  /** Makes run `id` visible; returns the run it replaced (still there), if any. */
  private swap(id: string): string | undefined {
    const previous = this.current();
    const link = path.join(this.store, `${LINK_PREFIX}${ownerTag(currentProcess())}-${crypto.randomBytes(3).toString('hex')}`);
    // relative target: the data folder can be moved or mounted elsewhere with its results (Windows junctions
    // need an absolute one, and cannot be renamed over another: there the swap is two steps, not atomic)
    const windows = process.platform === 'win32';
    fs.symlinkSync(windows ? path.join(this.store, id) : path.join(path.basename(this.store), id), link, windows ? 'junction' : 'dir');
    try {
      if (windows && previous) fs.rmdirSync(this.visible);
      fs.renameSync(link, this.visible);
    } catch (e) {
      fs.rmSync(link, { force: true });
      throw e;
    }
    return previous && previous !== id ? previous : undefined;
  }

  private removeReplaced(previous: string | undefined): void {
    if (previous) this.remove(previous);
  }

  /** Discards an unpublished run folder. */
  discard(id: string): void {
    if (this.current() !== id) this.remove(id);
  }

  /**
   * Once per output path, under the lock: an output folder of an older version (a plain folder) becomes the
   * first run of the store, and a migration interrupted between its two renames is finished.
   */
  migrate(): void {
    let stat: fs.Stats | undefined;
    try { stat = fs.lstatSync(this.visible); } catch { stat = undefined; }
    if (stat?.isSymbolicLink()) return;
    if (stat && !stat.isDirectory()) {
      throw Object.assign(new Error(`${this.visible} exists and is not a folder`), { code: 'EEXIST', path: this.visible, syscall: 'mkdir' });
    }
    makeFolder(this.store);
    if (stat) {
      const id = `${LEGACY_PREFIX}${newRunId()}`;
      fs.renameSync(this.visible, path.join(this.store, id));
      this.removeReplaced(this.swap(id));
      return;
    }
    const legacy = this.entries().filter(n => n.startsWith(LEGACY_PREFIX)).sort().pop();
    if (legacy) this.removeReplaced(this.swap(legacy)); // killed between the two renames of a migration: show the old result again
  }

  /** Removes what killed runs left: unpublished run folders and links whose owner process is gone. */
  collectGarbage(): void {
    for (const name of this.entries()) {
      if (name === this.current()) continue;
      const owner = name.startsWith(LEGACY_PREFIX) ? undefined : ownerOf(name);
      if (owner === null) continue; // not ours (the lock file, or something a user put there)
      if (name.startsWith(LEGACY_PREFIX) && !this.current()) continue;
      if (owner && isAlive(owner)) continue;
      this.remove(name);
    }
  }

  private entries(): string[] {
    try { return fs.readdirSync(this.store); } catch { return []; }
  }

  private remove(name: string): void {
    fs.rmSync(path.join(this.store, name), { recursive: true, force: true });
  }
}

/** Removes folder `dir`, its entries at once (libuv's threads unlink them in parallel). */
async function removeFolder(dir: string): Promise<void> {
  let names: string[];
  try { names = await fs.promises.readdir(dir); } catch { return; }
  await Promise.all(names.map(name => fs.promises.rm(path.join(dir, name), { recursive: true, force: true })));
  await fs.promises.rm(dir, { recursive: true, force: true });
}

/** The process that made a run folder, a link or a lock's temporary file (from its name); null: not ours. */
function ownerOf(name: string) {
  const m = RUN_ID.exec(name) ?? TEMPORARY.exec(name);
  return m ? ownerFromTag(m[2]) ?? null : null;
}

/**
 * A visible path that is a link the user made (to a folder elsewhere, not into our store) is followed: the
 * result is published where it points, and the user's link keeps working.
 */
function followForeignLink(visible: string): string {
  try {
    const target = fs.readlinkSync(visible);
    const ours = path.basename(path.dirname(target)) === path.basename(storeFolder(visible));
    return ours ? visible : fs.realpathSync(visible);
  } catch {
    return visible;
  }
}

/**
 * mkdir -p that fails with ENOENT where a folder cannot be made (Node's recursive mkdir loops forever on some
 * pseudo file systems, e.g. under /proc).
 */
export function makeFolder(dir: string): void {
  try {
    mkdirUnlessThere(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || path.dirname(dir) === dir) throw e;
    makeFolder(path.dirname(dir));
    mkdirUnlessThere(dir); // once more: another process (a batch task beside this one) may have made it meanwhile
  }
}

/** mkdir that accepts a folder already there. */
function mkdirUnlessThere(dir: string): void {
  try {
    fs.mkdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST' && fs.statSync(dir).isDirectory()) return;
    throw e;
  }
}

/** Copies a published folder into a run folder by hard links (files are never rewritten in place), or by copy. */
export function linkTree(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, e.name), dst = path.join(to, e.name);
    if (e.isDirectory()) linkTree(src, dst);
    else if (e.isFile()) {
      try { fs.linkSync(src, dst); } catch { fs.copyFileSync(src, dst); }
    }
  }
}
