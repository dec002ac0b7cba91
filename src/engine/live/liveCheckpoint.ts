// Restart-safe state of the live watch, in `.<out name>.live/<scan>/` beside the output link: one float64 file of summed hits per
// threshold (`counts-<thr>-<generation>.f64`, written only when the threshold changed) and `manifest.json`, which
// names the counts files and lists every counted file (name, size, mtime, outcome). The manifest is replaced by
// one rename after the counts files it names are written, so a kill at any moment leaves a consistent state.
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../atomicFiles';
import { MatrixShape } from '../matrixParser';
import { LiveScan, LiveThreshold, RecordedFile } from './liveScan';

const FORMAT = 1;
const MANIFEST = 'manifest.json';

interface Manifest {
  format: number;
  /** Settings the sums depend on (cut, mask): a checkpoint made with others is not resumed. */
  key: string;
  scan: string;
  shutterSeconds: number;
  shape: MatrixShape;
  generation: number;
  thresholds: Array<{ threshold: number; counts: string; files: RecordedFile[] }>;
}

export function checkpointFolder(outRoot: string, scanId: string): string {
  // Beside the result store, not inside the published folder (every publication replaces that folder).
  return path.join(path.dirname(outRoot), `.${path.basename(outRoot)}.live`, scanId);
}

export class LiveCheckpoint {
  private generation = 0;

  constructor(readonly folder: string, private readonly key: string) {}

  /** Writes the thresholds changed since the last save, then the manifest. */
  save(scan: LiveScan): void {
    fs.mkdirSync(this.folder, { recursive: true });
    this.generation++;
    const thresholds = [...scan.thresholds.values()];
    for (const t of thresholds) {
      if (!t.dirty && t.savedGeneration > 0) continue;
      fs.writeFileSync(path.join(this.folder, countsName(t.threshold, this.generation)),
        new Uint8Array(t.counts.buffer, t.counts.byteOffset, t.counts.byteLength));
      t.savedGeneration = this.generation;
    }
    const manifest: Manifest = {
      format: FORMAT, key: this.key, scan: scan.id, shutterSeconds: scan.shutterSeconds, shape: scan.shape,
      generation: this.generation,
      thresholds: thresholds.map(t => ({ threshold: t.threshold, counts: countsName(t.threshold, t.savedGeneration), files: [...t.files.values()] })),
    };
    writeFileAtomic(path.join(this.folder, MANIFEST), JSON.stringify(manifest));
    for (const t of thresholds) t.dirty = false;
    this.removeUnreferenced(manifest);
  }

  /**
   * The saved state, or why it cannot be resumed (then the watch starts from nothing). `mask` is the mask the
   * watch uses now; the saved shape must match it.
   */
  load(scanId: string, mask: (shape: MatrixShape) => Uint8Array): { scan: LiveScan } | { reason: string } | undefined {
    const file = path.join(this.folder, MANIFEST);
    if (!fs.existsSync(file)) return undefined;
    let manifest: Manifest;
    try {
      manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
    } catch (e) {
      return { reason: `unreadable checkpoint ${file}: ${(e as Error).message}` };
    }
    if (manifest.format !== FORMAT || manifest.scan !== scanId) return { reason: `checkpoint ${file} is of another format or scan` };
    if (manifest.key !== this.key) return { reason: 'checkpoint made with other settings (bad-acquisition cut or mask)' };
    const scan = new LiveScan(scanId, manifest.shutterSeconds, manifest.shape, mask(manifest.shape));
    for (const saved of manifest.thresholds) {
      const countsFile = path.join(this.folder, saved.counts);
      let bytes: Buffer;
      try { bytes = fs.readFileSync(countsFile); } catch (e) { return { reason: `checkpoint counts missing: ${(e as Error).message}` }; }
      if (bytes.length !== scan.pixels * 8) return { reason: `checkpoint counts ${countsFile}: ${bytes.length} bytes, expected ${scan.pixels * 8}` };
      const counts = new Float64Array(scan.pixels);
      new Uint8Array(counts.buffer).set(bytes);
      const t = new LiveThreshold(saved.threshold, counts);
      for (const f of saved.files) {
        t.files.set(f.name, f);
        if (f.outcome.status === 'good') t.asicCounts += f.outcome.hits;
      }
      t.dirty = false;
      t.savedGeneration = manifest.generation;
      scan.thresholds.set(t.threshold, t);
    }
    // Counts files keep the generation they were written with; the manifest names them.
    for (const saved of manifest.thresholds) scan.thresholds.get(saved.threshold)!.savedGeneration = generationOf(saved.counts);
    this.generation = manifest.generation;
    this.removeUnreferenced(manifest);
    return { scan };
  }

  /** Counts files of older generations, or written by a run killed before its manifest. */
  private removeUnreferenced(manifest: Manifest): void {
    const keep = new Set(manifest.thresholds.map(t => t.counts));
    for (const name of fs.readdirSync(this.folder)) {
      if (/^counts-.*\.f64$/.test(name) && !keep.has(name)) fs.rmSync(path.join(this.folder, name), { force: true });
    }
  }
}

function countsName(threshold: number, generation: number): string {
  return `counts-${threshold}-${generation}.f64`;
}

function generationOf(name: string): number {
  return Number(/-(\d+)\.f64$/.exec(name)?.[1] ?? 0);
}
