// What the live watch has counted of one scan: per threshold the summed hits and, per file, its size, mtime and
// outcome. The sums are those of the batch analysis (integer hits summed in float64 are exact in any order), so
// the final publication can hand them to the batch analysis's output code unchanged.
import * as path from 'path';
import { MatrixShape } from '../matrixParser';
import { Scan } from '../scanFiles';
import { AcquisitionOutcome } from './acquisitionReader';

/** One acquisition file the watch has read, as it was when read. */
export interface RecordedFile {
  name: string;
  size: number;
  mtimeMs: number;
  threshold: number;
  acquisition: number;
  outcome: AcquisitionOutcome;
}

export class LiveThreshold {
  readonly files = new Map<string, RecordedFile>();
  /** Σ hits over unmasked pixels of the good acquisitions (the ASIC counts, kept for the live ASIC curve). */
  asicCounts = 0;
  /** Changed since the last checkpoint. */
  dirty = true;
  /** Generation of its counts file in the checkpoint (0: never written). */
  savedGeneration = 0;

  constructor(readonly threshold: number, readonly counts: Float64Array) {}

  get good(): number { return this.count('good'); }

  count(status: AcquisitionOutcome['status']): number {
    let n = 0;
    for (const f of this.files.values()) if (f.outcome.status === status) n++;
    return n;
  }
}

export class LiveScan {
  readonly thresholds = new Map<number, LiveThreshold>();

  constructor(readonly id: string, readonly shutterSeconds: number, readonly shape: MatrixShape, readonly mask: Uint8Array) {}

  get pixels(): number { return this.shape.rows * this.shape.cols; }

  threshold(value: number): LiveThreshold {
    let t = this.thresholds.get(value);
    if (!t) { t = new LiveThreshold(value, new Float64Array(this.pixels)); this.thresholds.set(value, t); }
    return t;
  }

  recorded(threshold: number, name: string): RecordedFile | undefined {
    return this.thresholds.get(threshold)?.files.get(name);
  }

  get recordedFiles(): number {
    let n = 0;
    for (const t of this.thresholds.values()) n += t.files.size;
    return n;
  }

  /** Adds a file that was read: its hits (zero unless good) to its threshold, its outcome to the record. */
  record(file: RecordedFile, counts: Float64Array): void {
    const t = this.threshold(file.threshold);
    if (t.files.has(file.name)) throw new Error(`${file.name} is already counted`); // never twice
    const sum = t.counts;
    for (let p = 0; p < sum.length; p++) sum[p] += counts[p];
    if (file.outcome.status === 'good') t.asicCounts += file.outcome.hits;
    t.files.set(file.name, file);
    t.dirty = true;
  }

  /** Forgets an unreadable file (it added nothing) so that it is read again. */
  forgetUnreadable(threshold: number, name: string): void {
    const t = this.thresholds.get(threshold);
    if (t?.files.get(name)?.outcome.status !== 'error') return;
    t.files.delete(name);
    t.dirty = true;
  }

  /** Empties a threshold (a counted file changed or vanished): its files are read again. */
  resetThreshold(threshold: number): string[] {
    const t = this.thresholds.get(threshold);
    if (!t) return [];
    const names = [...t.files.keys()];
    t.files.clear();
    t.counts.fill(0);
    t.asicCounts = 0;
    t.dirty = true;
    return names;
  }

  /** Thresholds with at least one file, ascending. */
  sortedThresholds(): LiveThreshold[] {
    return [...this.thresholds.values()].filter(t => t.files.size > 0).sort((a, b) => a.threshold - b.threshold);
  }

  /**
   * The scan as the batch analysis would see it, restricted to the recorded files (and those excluded by hand,
   * which are never read), with its live sums: `discovered` is the folder's current listing of this scan. With
   * `copy` the counts are copied (a snapshot that later files do not change); without, every file of
   * `discovered` must be recorded as it is on disk. The caller assembles the flux (after its count verdicts).
   */
  sums(discovered: Scan, copy: boolean, isExcluded: (threshold: number, acquisition: number) => boolean):
    { scan: Scan; sums: Array<{ counts: Float64Array; outcomes: AcquisitionOutcome[] }> } {
    const thresholds = discovered.thresholds.map(t => ({
      threshold: t.threshold,
      acquisitions: t.acquisitions.filter(a => this.recorded(t.threshold, a.name) || isExcluded(t.threshold, a.acquisition)),
    })).filter(t => (copy ? t.acquisitions.some(a => this.recorded(t.threshold, a.name)) : t.acquisitions.length > 0));
    if (!copy) {
      const all = discovered.thresholds.reduce((s, t) => s + t.acquisitions.filter(a => !isExcluded(t.threshold, a.acquisition)).length, 0);
      if (all !== this.recordedFiles) throw new Error(`scan ${this.id}: ${this.recordedFiles} files recorded, ${all} in the folder`);
    }
    const scan: Scan = {
      ...discovered, thresholds,
      missing: discovered.missing.filter(([thr]) => thresholds.some(t => t.threshold === thr)),
    };
    const sums = thresholds.map(t => {
      const live = this.thresholds.get(t.threshold); // none when every file of the threshold is excluded
      const recorded = t.acquisitions.filter(a => live?.files.has(a.name));
      return {
        counts: !live ? new Float64Array(this.pixels) : copy ? live.counts.slice() : live.counts,
        outcomes: recorded.map(a => ({ ...live!.files.get(a.name)!.outcome, file: path.join(discovered.folder, a.name) })),
      };
    });
    return { scan, sums };
  }
}
