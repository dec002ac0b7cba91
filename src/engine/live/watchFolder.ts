// `velo-calib watch`: follows a folder while a threshold scan is being taken. Every new acquisition is read once,
// when complete (its size and mtime unchanged for the settle time, and it parses to the scan's shape), and added to
// its threshold's sums; live snapshots and pixel refits are published at a bounded cadence; when the scan is over
// (idle, or stopped) the outputs are published by the batch analysis's own output code from the same sums, so they
// are those of `velo-calib analyse` on the complete folder. State is checkpointed for a restart.
import * as fs from 'fs';
import * as path from 'path';
import { formatNumber } from '../../contract/format';
import { EngineEvent, LiveAlertKind } from '../../protocol';
import {
  AnalyseOptions, AnalysisInputError, defaultOutputFolder, publishScanResults, reportSkippedAcquisitions,
  scanOutputFolder,
} from '../analyse';
import { assembleScanFlux, readMask, ScanFlux } from '../flux';
import { AuxiliaryChoice, resolveAuxiliaryFiles, ScanAuxiliaryFiles } from '../input/auxiliaryFiles';
import { MatrixReader, MatrixShape } from '../matrixParser';
import { AcquisitionFile, discoverScans, IgnoredEntry, Scan, ScanFolder } from '../scanFiles';
import { makeModel, ModelName } from '../scurveModel';
import { defaultWorkerCount } from '../workerPool';
import { AcquisitionReader } from './acquisitionReader';
import { checkpointFolder, LiveCheckpoint } from './liveCheckpoint';
import { LivePublisher, removeStaleOutputs } from './livePublisher';
import { LiveScan } from './liveScan';

export interface WatchOptions extends AnalyseOptions {
  /** Publish the final result and exit after this many seconds without a new or changed file (default: never). */
  idleExitSeconds?: number;
  /** A file is complete when its size and mtime have not changed for this long (ms). */
  settleMs: number;
  /** Directory poll interval (ms): the safety net under fs.watch, which misses events. */
  pollMs: number;
  /** Live snapshot (flux files, ASIC curve) at most this often (s). */
  publishSeconds: number;
  /** Pixel refits after a completed threshold, at most this often (s). */
  refitSeconds: number;
  /** Warn when this many acquisitions in a row are bad. */
  badRun: number;
  /** Checkpoint at most this often (s); always at the end. */
  checkpointSeconds: number;
  /** Expected thresholds and acquisitions per threshold, for the ETA (optional). */
  plan?: { thresholds: number[]; nacq?: number };
  /** Stops the watch: the final result is published from what has been counted (after reading what is complete). */
  stop: AbortSignal;
}

/** How long an fs.watch event waits for the rest of its burst before the folder is listed (ms). */
const WAKE_DELAY_MS = 5;
/** A counted file is stat'ed again at least this often (its change or replacement is noticed within it). */
const RESTAT_ALL_MS = 500;

export const DEFAULT_WATCH_TIMING = { settleMs: 1000, pollMs: 1000, publishSeconds: 5, refitSeconds: 30, badRun: 5, checkpointSeconds: 2 };

interface Pending { size: number; mtimeMs: number; since: number }

/** Per scan: what was counted, the reader, the checkpoint, and the live bookkeeping. */
interface Watched {
  live: LiveScan;
  reader: AcquisitionReader;
  checkpoint: LiveCheckpoint;
  lastCheckpoint: number;
  badInARow: number;
  /** The ASIC fit of the last refit and the highest threshold it saw (for the edge check). */
  prediction?: { model: ModelName; polarity: 1 | -1; theta: number[]; upTo: number; warned: boolean };
  doneThresholds: number;
}

export async function watchFolder(options: WatchOptions, emit: (e: EngineEvent) => void): Promise<string[]> {
  const watch = new FolderWatch(options, emit);
  return watch.run();
}

class FolderWatch {
  private readonly folder: string;
  private readonly outRoot: string;
  private readonly scans = new Map<string, Watched>();
  private readonly pending = new Map<string, Pending>();
  /** The last stat of each listed file and when every file was last stat'ed (listFolder). */
  private readonly listedStats = new Map<string, fs.Stats>();
  private lastFullListing = 0;
  /** Changed counted files already reported (name@size@mtime), so a change is reported once. */
  private readonly reported = new Set<string>();
  private maskChoice: AuxiliaryChoice | undefined;
  /** The folder as last listed: each scan's baseline is resolved from it at publication. */
  private lastFound: ScanFolder | undefined;
  private maskKey = '';
  private ignored: IgnoredEntry[] = [];
  private readonly excluded: Set<string>;
  private readonly isExcluded = (threshold: number, acquisition: number) => this.excluded.has(`${threshold}:${acquisition}`);
  private lastChange = Date.now();
  private readonly countTimes: number[] = [];
  private filesCounted = 0;
  private lastPublish = 0;
  private publishCost = 0;
  private lastRefit = 0;
  private publication: Promise<void> = Promise.resolve();
  private publishing = false;
  private readonly publishAbort = new AbortController();
  private readonly publisher: LivePublisher;
  private changedSincePublish = false;
  private wake: (() => void) | undefined;
  /** The folder changed (an fs.watch event) since the last listing began: list it again at once. */
  private changedSinceListing = false;

  constructor(private readonly options: WatchOptions, private readonly emit: (e: EngineEvent) => void) {
    this.folder = path.resolve(options.folder);
    this.outRoot = path.resolve(options.out ?? defaultOutputFolder(this.folder));
    this.excluded = new Set((options.exclude ?? []).map(([t, a]) => `${t}:${a}`));
    this.publisher = new LivePublisher(emit);
  }

  async run(): Promise<string[]> {
    if (!fs.existsSync(this.folder) || !fs.statSync(this.folder).isDirectory()) throw new AnalysisInputError(`${this.folder}: not a folder`);
    const { options } = this;
    this.emit({ type: 'log', level: 'info', message: `watching ${this.folder} (results in ${this.outRoot})` });
    const watcher = fs.watch(this.folder, () => { this.changedSinceListing = true; this.wake?.(); });
    watcher.on('error', e => this.emit({ type: 'log', level: 'warn', message: `fs.watch: ${e.message}; polling only` }));
    const onStop = () => this.wake?.();
    options.stop.addEventListener('abort', onStop);
    try {
      for (;;) {
        this.changedSinceListing = false;
        await this.tick(false);
        if (options.stop.aborted) break;
        const idle = Date.now() - this.lastChange;
        // Idle: no file waiting, and no live snapshot being published or due (it runs in its own thread meanwhile).
        const settled = this.pending.size === 0 && !this.publishing && !this.refitDue;
        if (options.idleExitSeconds !== undefined && settled && idle >= options.idleExitSeconds * 1000) {
          this.emit({ type: 'log', level: 'info', message: `no new file for ${options.idleExitSeconds} s: the scan is complete` });
          break;
        }
        await new Promise<void>(resolve => {
          // An event during the listing (a file that arrived meanwhile) is not lost: list again at once.
          if (this.changedSinceListing || options.stop.aborted) { resolve(); return; }
          // Wake for the next poll, or when the first file waiting to settle has settled, whichever comes first.
          let due = options.pollMs;
          for (const p of this.pending.values()) due = Math.min(due, Math.max(0, p.since + options.settleMs - Date.now()));
          const timer = setTimeout(resolve, due);
          // fs.watch events come in bursts (a rename is two, a write several): collect a burst before listing.
          this.wake = () => { clearTimeout(timer); setTimeout(resolve, WAKE_DELAY_MS); this.wake = undefined; };
        });
        this.wake = undefined;
      }
      if (options.stop.aborted) this.emit({ type: 'log', level: 'info', message: 'stopped: publishing what has been counted' });
      this.publishAbort.abort(); // a live refit still running is not worth waiting for
      this.publisher.abort();
      await this.publication;
      await this.tick(true);
      const dirs = await this.publishFinal();
      this.emit({ type: 'done', outputDirs: dirs });
      return dirs;
    } finally {
      watcher.close();
      options.stop.removeEventListener('abort', onStop);
      for (const w of this.scans.values()) await w.reader.close();
      await this.publisher.close();
    }
  }

  /**
   * The folder's scans. Every file is stat'ed at least every RESTAT_ALL_MS (and at the final listing); in the
   * listings between, a file neither new nor waiting to settle keeps its last stat: with thousands of counted files,
   * stat'ing them all at every fs.watch wake was most of a new file's latency.
   */
  private listFolder(final: boolean): ScanFolder {
    const now = Date.now();
    const full = final || now - this.lastFullListing >= RESTAT_ALL_MS;
    if (full) {
      this.lastFullListing = now;
      this.listedStats.clear();
    }
    return discoverScans(this.folder, file => {
      let st = this.pending.has(file) ? undefined : this.listedStats.get(file);
      if (!st) {
        st = fs.statSync(file);
        this.listedStats.set(file, st);
      }
      return st;
    });
  }

  /** Lists the folder, reads every complete new file (all of them when `final`), publishes and checkpoints as due. */
  private async tick(final: boolean): Promise<void> {
    const found = this.listFolder(final);
    this.ignored = found.ignored;
    this.checkMask(found);
    const scans = this.selectScans(found);
    const ready: Array<{ scan: Scan; file: AcquisitionFile; pending: Pending }> = [];
    const now = Date.now();
    const listed = new Set<string>();
    for (const scan of scans) {
      const watched = this.scans.get(scan.id) ?? this.resume(scan);
      if (watched) this.resetChanged(watched, scan);
      for (const t of scan.thresholds) {
        for (const a of t.acquisitions) {
          listed.add(a.path);
          if (this.isExcluded(a.threshold, a.acquisition)) continue; // excluded by hand: never read
          const rec = watched?.live.recorded(a.threshold, a.name);
          if (rec && rec.size === a.size && rec.mtimeMs === a.mtimeMs) continue;
          if (rec && rec.outcome.status === 'error') { // unreadable before (incomplete?), changed since: read again
            watched!.live.forgetUnreadable(a.threshold, a.name);
            this.emit({ type: 'log', level: 'info', message: `${a.name}: unreadable at ${rec.size} bytes, now ${a.size} bytes: reading it again` });
          }
          let p = this.pending.get(a.path);
          if (!p || p.size !== a.size || p.mtimeMs !== a.mtimeMs) {
            p = { size: a.size, mtimeMs: a.mtimeMs, since: now };
            this.pending.set(a.path, p);
            this.lastChange = now;
          }
          if (final || now - p.since >= this.options.settleMs) ready.push({ scan, file: a, pending: p });
        }
      }
    }
    for (const name of this.pending.keys()) if (!listed.has(name)) this.pending.delete(name); // gone before it was read
    for (const { scan, file, pending } of ready) {
      if (this.options.stop.aborted && !final) break;
      await this.readFile(scan, file, pending, final);
    }
    if (!final) {
      for (const scan of scans) this.maybeCheckpoint(scan.id, false);
      this.maybePublish(scans);
    }
  }

  private selectScans(found: ScanFolder): Scan[] {
    return this.options.scan ? [...found.scans, ...found.strayScans].filter(s => s.id === this.options.scan) : found.scans;
  }

  /** The mask the batch analysis would use now; if it differs from the one used so far, everything is read again. */
  private checkMask(found: ScanFolder): void {
    this.lastFound = found;
    // The watch reads every scan of the folder with one mask: the one `analyse` would choose for the first scan.
    const first = this.selectScans(found)[0];
    const choice: AuxiliaryChoice = first
      ? resolveAuxiliaryFiles(first, found.scans, found.auxiliaryCandidates, this.options).mask
      : { file: this.options.mask ? path.resolve(this.options.mask) : null, source: this.options.mask ? 'option' : 'none' };
    const key = maskKey(choice.file);
    if (this.maskChoice && key === this.maskKey) return;
    this.maskKey = key;
    if (this.maskChoice) {
      this.emit({ type: 'log', level: 'warn', message: `the mask changed (${choice.file ?? 'none'}): every file is read again` });
      for (const w of this.scans.values()) void w.reader.close();
      this.scans.clear();
      this.pending.clear();
      this.unresumable.clear();
    } else if (choice.source === 'auto') {
      this.emit({ type: 'log', level: 'info', message: `using mask ${path.basename(choice.file!)} found in the folder` });
    } else if (choice.source === 'none') {
      this.emit({ type: 'log', level: 'warn', message: 'no mask file: all pixels are used' });
    }
    this.maskChoice = choice;
  }

  /** The scan's mask (the watch's), baseline and width, as `analyse` resolves them. */
  private auxiliaryFor(scan: Scan): ScanAuxiliaryFiles {
    const found = this.lastFound!;
    return { ...resolveAuxiliaryFiles(scan, [...new Set([...found.scans, scan])], found.auxiliaryCandidates, this.options), mask: this.maskChoice! };
  }

  private maskFor(shape: MatrixShape): Uint8Array {
    return this.maskChoice?.file ? readMask(this.maskChoice.file, shape).mask : new Uint8Array(shape.rows * shape.cols);
  }

  /** What the sums depend on besides the files: the cut and the mask (name, size, mtime). */
  private checkpointKey(): string {
    const o = this.options;
    return JSON.stringify({ badCut: o.badCut, badColumns: o.badColumns, cutBad: o.cutBad, mask: this.maskKey });
  }

  /** Counted files that changed or vanished: reported, and their threshold is summed again from its files. */
  private resetChanged(watched: Watched, scan: Scan): void {
    const onDisk = new Map(scan.thresholds.flatMap(t => t.acquisitions.map(a => [a.name, a] as const)));
    for (const t of [...watched.live.thresholds.values()]) {
      let why: string | undefined;
      for (const rec of t.files.values()) {
        if (rec.outcome.status === 'error') continue; // unreadable: added nothing, simply read again when it changes
        const now = onDisk.get(rec.name);
        if (now && now.size === rec.size && now.mtimeMs === rec.mtimeMs) continue;
        const tag = `${rec.name}@${now?.size}@${now?.mtimeMs}`;
        why = now ? `${rec.name} changed after it was counted (size ${rec.size} → ${now.size} bytes)` : `${rec.name} was removed after it was counted`;
        if (!this.reported.has(tag)) {
          this.reported.add(tag);
          this.alert(now ? 'changed-file' : 'removed-file', why, rec.name);
        }
        break;
      }
      if (why) {
        const names = watched.live.resetThreshold(t.threshold);
        this.emit({ type: 'log', level: 'warn', message: `threshold ${t.threshold}: summed again from its files (${names.length} were counted)` });
      }
    }
  }

  /** A scan seen for the first time: resumed from its checkpoint when there is a usable one. */
  private resume(scan: Scan): Watched | undefined {
    if (this.unresumable.has(scan.id)) return undefined;
    const checkpoint = new LiveCheckpoint(checkpointFolder(this.outRoot, scan.id), this.checkpointKey());
    const loaded = checkpoint.load(scan.id, shape => this.maskFor(shape));
    if (!loaded || 'reason' in loaded) {
      if (loaded) this.emit({ type: 'log', level: 'warn', message: `scan ${scan.id}: ${loaded.reason}; starting from nothing` });
      this.unresumable.add(scan.id);
      return undefined;
    }
    this.emit({ type: 'log', level: 'info', message: `scan ${scan.id}: resumed from the checkpoint, ${loaded.scan.recordedFiles} files already counted` });
    return this.start(scan, loaded.scan, checkpoint);
  }

  private readonly unresumable = new Set<string>();

  /** The scan's state, started from its first complete file when it was neither seen nor resumed. */
  private watched(scan: Scan, file: AcquisitionFile): Watched {
    const existing = this.scans.get(scan.id);
    if (existing) return existing;
    // The shape of the scan: the mask's, or its first complete file's (the batch analysis votes over files).
    const shape = this.maskChoice?.file ? readMask(this.maskChoice.file).shape : new MatrixReader().readWithShape(file.path).shape;
    const live = new LiveScan(scan.id, scan.shutterSeconds, shape, this.maskFor(shape));
    return this.start(scan, live, new LiveCheckpoint(checkpointFolder(this.outRoot, scan.id), this.checkpointKey()));
  }

  private start(scan: Scan, live: LiveScan, checkpoint: LiveCheckpoint): Watched {
    const reader = new AcquisitionReader({
      shape: live.shape, mask: live.mask, shutterSeconds: scan.shutterSeconds,
      cut: { cutBad: this.options.cutBad, badCut: this.options.badCut, badColumns: this.options.badColumns },
    }, (this.options.workers ?? 1) > 0);
    const w: Watched = { live, reader, checkpoint, lastCheckpoint: Date.now(), badInARow: 0, doneThresholds: 0 };
    this.scans.set(scan.id, w);
    return w;
  }

  private async readFile(scan: Scan, file: AcquisitionFile, pending: Pending, final: boolean): Promise<void> {
    let w: Watched;
    try {
      w = this.watched(scan, file);
    } catch (e) {
      if (final) throw e;
      return; // the first file is not readable yet (still being written): try again later
    }
    const { outcome, counts } = await w.reader.read(file.path, file.acquisition);
    let after: fs.Stats | undefined;
    try { after = fs.statSync(file.path); } catch { /* vanished while read */ }
    if (!after || after.size !== pending.size || after.mtimeMs !== pending.mtimeMs) {
      this.pending.delete(file.path); // changed while read: wait for it to settle again
      this.listedStats.delete(file.path); // (stat'ed afresh by the next listing)
      return;
    }
    // An unreadable file (incomplete, or broken) is recorded as the batch analysis would record it; it added
    // nothing, and it is read again when it changes.
    w.live.record({ name: file.name, size: pending.size, mtimeMs: pending.mtimeMs, threshold: file.threshold, acquisition: file.acquisition, outcome }, counts);
    this.pending.delete(file.path);
    this.lastChange = Date.now();
    this.changedSincePublish = true;
    if (outcome.status === 'error') return;
    this.filesCounted++;
    this.countTimes.push(Date.now());
    if (outcome.status === 'bad') {
      if (++w.badInARow === this.options.badRun) {
        this.alert('bad-run', `${w.badInARow} bad acquisitions in a row (last: ${file.name}): the read-out may be failing`, file.name);
      }
    } else {
      w.badInARow = 0;
    }
    this.emitLive(scan, w, file.name, outcome.status as 'good' | 'bad');
    this.checkEdge(w);
  }

  private alert(kind: LiveAlertKind, message: string, file?: string): void {
    this.emit({ type: 'alert', kind, message, file });
    this.emit({ type: 'log', level: 'warn', message });
  }

  /** Thresholds with as many files as expected (the plan's, or the most any earlier threshold has). */
  private thresholdsDone(w: Watched): number {
    const ts = w.live.sortedThresholds();
    const expected = this.options.plan?.nacq ?? Math.max(0, ...ts.slice(0, -1).map(t => t.files.size));
    return expected > 0 ? ts.filter(t => t.files.size >= expected).length : 0;
  }

  private emitLive(scan: Scan, w: Watched, file: string, status: 'good' | 'bad'): void {
    const now = Date.now(), window = 20_000;
    while (this.countTimes.length && this.countTimes[0] < now - window) this.countTimes.shift();
    const span = this.countTimes.length > 1 ? (now - this.countTimes[0]) / 1000 : 0;
    const filesPerSecond = span > 0 ? (this.countTimes.length - 1) / span : 0;
    const ts = w.live.sortedThresholds();
    let good = 0, bad = 0;
    for (const t of ts) { good += t.count('good'); bad += t.count('bad'); }
    const done = this.thresholdsDone(w);
    if (done > w.doneThresholds) { w.doneThresholds = done; this.maybeRefit(); }
    const plan = this.options.plan;
    const expectedFiles = plan ? plan.thresholds.length * (plan.nacq ?? Math.max(...ts.map(t => t.files.size))) : undefined;
    const counted = w.live.recordedFiles;
    const etaSeconds = expectedFiles !== undefined && filesPerSecond > 0 ? Math.max(0, expectedFiles - counted) / filesPerSecond : null;
    this.emit({
      type: 'live', scan: scan.id, file, status, filesCounted: counted, filesPerSecond, thresholdsSeen: ts.length,
      thresholdsDone: done, etaSeconds, badRate: good + bad > 0 ? bad / (good + bad) : 0,
      asic: {
        thresholds: ts.map(t => t.threshold),
        flux: ts.map(t => { const g = t.good; return g > 0 ? t.asicCounts / (g * scan.shutterSeconds) : null; }),
        fluxError: ts.map(t => { const g = t.good; return g > 0 ? Math.sqrt(t.asicCounts) / (g * scan.shutterSeconds) : null; }),
      },
    });
    this.emit({ type: 'progress', phase: 'flux', done: counted, total: Math.max(counted, expectedFiles ?? 0), scan: scan.id });
  }

  /**
   * The edge check: once a refit has seen the edge (flux below a quarter of its maximum, μ ± 2σ inside the
   * thresholds it had), every later threshold's ASIC flux must follow that fit's curve within 5 errors or 10 % of
   * the plateau; otherwise the edge is not where the thresholds so far put it (a source that slipped, a shifted
   * threshold DAC).
   */
  private checkEdge(w: Watched): void {
    const pr = w.prediction;
    if (!pr || pr.warned) return;
    const model = makeModel(pr.model, pr.polarity);
    const ts = w.live.sortedThresholds().filter(t => t.good > 0);
    const done = this.thresholdsDone(w);
    const plateau = Math.max(...ts.map(t => t.asicCounts / (t.good * w.live.shutterSeconds)));
    for (const t of ts.slice(0, done)) {
      if (t.threshold <= pr.upTo) continue;
      const exposure = t.good * w.live.shutterSeconds;
      const measured = t.asicCounts / exposure, error = Math.sqrt(t.asicCounts) / exposure;
      const expected = model.evaluate(t.threshold, Float64Array.from(pr.theta));
      if (Math.abs(measured - expected) > Math.max(5 * error, 0.1 * plateau)) {
        pr.warned = true;
        this.alert('edge', `threshold ${t.threshold}: ASIC flux ${formatNumber(measured)} Hz where the fit of the thresholds up to ` +
          `${pr.upTo} expects ${formatNumber(expected)} Hz: the edge is not where the scan so far puts it`);
        return;
      }
    }
  }

  private maybeCheckpoint(scanId: string, force: boolean): void {
    const w = this.scans.get(scanId);
    if (!w) return;
    const now = Date.now();
    if (!force && now - w.lastCheckpoint < this.options.checkpointSeconds * 1000) return;
    if (![...w.live.thresholds.values()].some(t => t.dirty)) return; // what is on disk is current
    w.checkpoint.save(w.live);
    w.lastCheckpoint = now;
    this.emit({ type: 'log', level: 'info', message: `checkpoint: scan ${scanId}, ${w.live.recordedFiles} files counted` });
  }

  private refitDue = false;

  private maybeRefit(): void {
    if (this.options.fit) this.refitDue = true;
  }

  /** A live snapshot when due; never more than one at a time, and at most ~20 % of the time spent publishing. */
  private maybePublish(scans: Scan[]): void {
    if (this.publishing || (!this.changedSincePublish && !this.refitDue)) return;
    const now = Date.now();
    const refit = this.refitDue && now - this.lastRefit >= this.options.refitSeconds * 1000;
    if (!refit && now - this.lastPublish < Math.max(this.options.publishSeconds * 1000, 5 * this.publishCost)) return;
    this.publishing = true;
    this.changedSincePublish = false;
    if (refit) { this.refitDue = false; this.lastRefit = now; }
    const ignored = this.ignored;
    // Copies of the sums (later files do not change them); the flux is assembled and published in the publisher's thread.
    const snapshots = scans.filter(s => this.scans.has(s.id)).map(s => {
      const w = this.scans.get(s.id)!;
      return { scan: s, w, snap: w.live.sums(s, true, this.isExcluded) };
    });
    this.publication = (async () => {
      const start = Date.now();
      for (const { scan, w, snap } of snapshots) {
        if (snap.scan.thresholds.length === 0) continue;
        try {
          await this.publishLive(scan, w, snap, scans.length, refit, ignored);
        } catch (e) {
          if (!this.publishAbort.signal.aborted) this.emit({ type: 'log', level: 'info', message: `live snapshot of ${scan.id} skipped: ${(e as Error).message}` });
        }
      }
      this.lastPublish = Date.now();
      this.publishCost = this.lastPublish - start;
      this.publishing = false;
    })();
  }

  private readonly lastFit = new Map<string, { summary: Record<string, unknown>; fitUpTo: number }>();

  private async publishLive(scan: Scan, w: Watched, snap: ReturnType<LiveScan['sums']>, scanCount: number, refit: boolean,
    ignored: IgnoredEntry[]): Promise<void> {
    const dir = scanOutputFolder(this.outRoot, scan, scanCount);
    const upTo = snap.scan.thresholds[snap.scan.thresholds.length - 1].threshold;
    const liveState = {
      live: {
        complete: false, files_counted: w.live.recordedFiles, thresholds_done: this.thresholdsDone(w),
        fit_up_to_threshold: refit ? upTo : (this.lastFit.get(scan.id)?.fitUpTo ?? null),
      },
    };
    const previousFit = this.lastFit.get(scan.id)?.summary;
    // The options as plain data (signals do not cross to the publisher's thread; it has its own).
    const analyse = Object.fromEntries(Object.entries(this.options).filter(([, v]) => !(v instanceof AbortSignal))) as Omit<AnalyseOptions, 'signal'>;
    const { summary, thresholds, asicFlux } = await this.publisher.publish({
      scan: snap.scan, shape: w.live.shape, mask: w.live.mask, sums: snap.sums, exclude: this.options.exclude ?? [],
      auxiliary: this.auxiliaryFor(snap.scan), dir, ignored, options: { ...analyse, fit: refit, workers: this.options.workers ?? defaultWorkerCount() },
      extraSummary: refit ? liveState : { ...previousFit, ...liveState },
      // Between refits the snapshot keeps the last refit's fit files (maps, pixel fits): the panels go on showing them.
      keepFits: !refit && !!previousFit,
    });
    if (!refit) return;
    const fit = summary.fit as { asic?: { params: Record<string, number | null>; converged: boolean }; polarity: 1 | -1; model: ModelName } | undefined;
    this.lastFit.set(scan.id, { summary: { fit: summary.fit, heterogeneity: summary.heterogeneity }, fitUpTo: upTo });
    const a = fit?.asic;
    const theta = a ? ['mu', 'sigma', 'amplitude', 'slope', 'background'].map(k => a.params[k] ?? NaN) : [];
    const first = thresholds[0];
    // Trusted only when the fit has seen the whole edge: the measured flux has fallen below a quarter of its
    // maximum, and μ ± 2σ lies inside the thresholds the fit had.
    const measured = asicFlux.filter(Number.isFinite);
    const dropped = measured.length > 0 && Math.min(...measured) < 0.25 * Math.max(...measured);
    if (a?.converged && dropped && theta.every(Number.isFinite) && theta[0] - 2 * theta[1] > first && theta[0] + 2 * theta[1] < upTo &&
      !w.prediction?.warned) {
      w.prediction = { model: fit!.model, polarity: fit!.polarity, theta, upTo, warned: false };
      this.checkEdge(w); // thresholds completed while the refit ran (files are read meanwhile) are checked now
    }
  }

  /**
   * The scan's flux from the live sums, judged as the batch analysis judges a threshold once all its files are in
   * (empty acquisitions and count outliers taken out; the final result only: a snapshot skips that re-read).
   * `snapshot`: on copies of the sums, for a live publication while files keep coming.
   */
  private async flux(w: Watched, discovered: Scan, snapshot: boolean): Promise<{ scan: Scan; flux: ScanFlux }> {
    const { scan, sums } = w.live.sums(discovered, snapshot, this.isExcluded);
    if (!snapshot) {
      const cut = { cutBad: this.options.cutBad, badCut: this.options.badCut, badColumns: this.options.badColumns, outlierSigma: this.options.outlierSigma };
      for (const [i, t] of sums.entries()) {
        // On a copy: the live sums (and the checkpoint) stay those of the files as read.
        sums[i] = { counts: t.counts.slice(), outcomes: [...t.outcomes] };
        await w.reader.rejectImplausibleTotals(sums[i], cut);
      }
    }
    return { scan, flux: assembleScanFlux(scan, w.live.shape, w.live.mask, sums, this.isExcluded) };
  }

  /** The result of the complete scan, through the batch analysis's output code, from the live sums. */
  private async publishFinal(): Promise<string[]> {
    const found = discoverScans(this.folder);
    const scans = this.selectScans(found);
    if (scans.length === 0) {
      throw new AnalysisInputError(`${this.folder}: no scan files (expected names like <prefix>1s310ms_THR_1320_3.csv)`);
    }
    const dirs: string[] = [];
    for (const [scanIndex, scan] of scans.entries()) {
      const w = this.scans.get(scan.id);
      if (!w) throw new AnalysisInputError(`scan ${scan.id}: no readable acquisition`);
      this.maybeCheckpoint(scan.id, true);
      const { scan: counted, flux } = await this.flux(w, scan, false);
      reportSkippedAcquisitions(flux, this.emit);
      const dir = scanOutputFolder(this.outRoot, scan, scans.length);
      const emitScan = (e: EngineEvent) => this.emit(e.type === 'progress' ? { ...e, scanIndex, scanCount: scans.length } : e);
      const { files } = await publishScanResults(counted, this.auxiliaryFor(counted), flux, dir,
        { ...this.options, signal: undefined, workers: this.options.workers ?? defaultWorkerCount() }, emitScan, found.ignored);
      removeStaleOutputs(dir, scan.id, files);
      dirs.push(dir);
    }
    return dirs;
  }
}

/** The mask file as the sums depend on it: its path, size and mtime (a rewritten mask is another mask). */
function maskKey(file: string | null): string {
  if (!file) return 'none';
  try {
    const st = fs.statSync(file);
    return `${file}:${st.size}:${st.mtimeMs}`;
  } catch {
    return `${file}:missing`;
  }
}

