#!/usr/bin/env node
// `velo-calib`: the command-line tool, and the child process the extension forks (talking over Node IPC).
import * as fs from 'fs';
import * as path from 'path';
import { CommandArgs, runCampaignCommand } from './cli/campaignCommands';
import { commandHelp, CommandSpec, OptionSpec, ParsedArgs, parseCommandArgs, programHelp, usageHint, UsageError } from './cli/args';
import { environmentErrorMessage, stackOf } from './cli/environmentError';
import {
  analyseFolder, AnalyseOptions, AnalysisInputError, AnalysisUsageError, DEFAULT_ANALYSE_OPTIONS, DEFAULT_LOCK_WAIT_MS, FailedScan,
} from './engine/analyse';
import { AuxiliaryFileError } from './engine/input/auxiliaryFiles';
import { runWatch } from './engine/live/watchCommand';
import { applyScanChange } from './engine/campaign/generateModule';
import { ScanAbortedError } from './engine/flux';
import { generateScan, parseThresholdRange } from './engine/generate';
import { DEFAULT_OUTLIER_SIGMA, parseExclusions } from './engine/input/acquisitionQuality';
import { MatrixFormatError } from './engine/matrixParser';
import { ResultLockedError } from './engine/publish/resultLock';
import { MODEL_NAMES, ModelName } from './engine/scurveModel';
import { defaultWorkerCount } from './engine/workerPool';
import { ENGINE_IPC_ENV, EngineCommand, EngineEvent } from './protocol';
import { runBatchCommand } from './cli/batchCommand';

const PROGRAM = 'velo-calib';
const TITLE = 'velo-calib — per-pixel flux and S-curve fits of VELO VeloPix threshold scans';
const FOOTER = `Also: velo-calib batch <root> | status <dir> | resubmit <dir>: all scans under <root> as Slurm array jobs (batch --help);
velo-calib watch <folder> [--idle-exit S] [options of analyse]: follow a scan being taken (watch --help).
Outputs go to <folder>/velo-calib/ (or --out): Fluxperpixel_*, UncertaintyFluxperpixel_*, FluxperASIC_*,
UncertaintyFluxperASIC_*, summary.json, pixel_fits.csv, map_*.csv, asic_fit.json, report.md.
Exit codes: 0 ok, 1 error, 2 usage error, 3 some scans of the folder failed (the others have results).`;

/** Worker threads beyond twice the cores only cost memory and time. */
const MAX_WORKERS = 2 * defaultWorkerCount();
const NUMBER = '-?\\d+(?:\\.\\d+)?';

const ANALYSE: CommandSpec = {
  name: 'analyse', aliases: ['analyze'], args: '<folder>', positionals: { min: 1, max: 1 },
  summary: 'flux, S-curve fits and pixel heterogeneity of the scans in <folder>',
  options: [
    { name: 'out', short: 'o', kind: 'string', value: 'DIR', help: 'output folder (default <folder>/velo-calib)' },
    { name: 'mask', kind: 'string', value: 'FILE', help: "mask file for every scan, value > 0 = masked (default: each scan's own *Mask*.csv)" },
    { name: 'baseline', kind: 'string', value: 'FILE', help: "noise baseline matrix for the gain (default: the scan's own *Noise*/*Baseline* file)" },
    { name: 'baseline-width', kind: 'string', value: 'FILE', help: 'baseline width matrix (its uncertainty, in the gain errors)' },
    { name: 'line-ev', kind: 'number', value: 'EV', min: 1e-9, help: 'source line energy (default 5895, Mn Kα)' },
    { name: 'pair-ev', kind: 'number', value: 'EV', min: 1e-9, help: 'energy per electron–hole pair (default 3.62)' },
    { name: 'pair-ev-error', kind: 'number', value: 'EV', min: 0, help: 'its uncertainty: the common gain scale error (default 0.03)' },
    { name: 'kbeta-ev', kind: 'number', value: 'EV', min: 1e-9, help: 'K-beta line energy (default 6490)' },
    { name: 'bad-cut', kind: 'number', value: 'HZ', min: 0, help: 'bad acquisition: mean flux per pixel of the last columns above this (default 2)' },
    { name: 'bad-columns', kind: 'integer', value: 'N', min: 1, help: 'number of last columns inspected (default 16)' },
    { name: 'no-cut-bad', kind: 'flag', help: 'keep bad acquisitions' },
    { name: 'no-fit', kind: 'flag', help: 'flux only, no S-curve fits' },
    { name: 'model', kind: 'choice', choices: MODEL_NAMES, help: 'S-curve model (default scurve)' },
    { name: 'polarity', kind: 'choice', choices: ['auto', '1', '-1', '+1'], help: 'edge direction (default auto: from the ASIC curve)' },
    { name: 'fit-range', kind: 'string', value: 'FROM:TO', pattern: new RegExp(`^${NUMBER}:${NUMBER}$`), expected: 'FROM:TO, e.g. 1350:1550',
      help: 'thresholds used in the fits (default all)' },
    { name: 'outlier-sigma', kind: 'number', value: 'N', min: 0,
      help: `bad acquisition: total counts this many σ from the threshold's others (default ${DEFAULT_OUTLIER_SIGMA}; 0: off)` },
    { name: 'exclude', kind: 'string', value: 'THR:ACQ[,…]', repeatable: true, help: 'leave out these acquisitions (repeatable)' },
    { name: 'scan', kind: 'string', value: 'ID', help: 'only this scan (<prefix><ST>)' },
    { name: 'workers', kind: 'integer', value: 'N', min: 0, max: MAX_WORKERS, help: 'worker threads (default one per core; 0: none, all in this process)' },
    { name: 'strict', kind: 'flag', help: 'abort on the first unreadable file instead of skipping it' },
    { name: 'wait', kind: 'number', value: 'SECONDS', min: 0, max: 86400,
      help: `wait for another analysis writing the same output folder (default ${DEFAULT_LOCK_WAIT_MS / 1000}; 0: fail at once)` },
    { name: 'json', kind: 'flag', help: 'one JSON event per line on stdout' },
  ],
};

/** Options of both generators for comparisons: a uniform threshold shift, and a counting-noise stream of its own. */
const THRESHOLD_SHIFT_OPTION: OptionSpec = { name: 'threshold-shift', kind: 'number', value: 'DAC', help: 'shift every edge by this (for compare tests)' };
const NOISE_SEED_OPTION: OptionSpec = { name: 'noise-seed', kind: 'integer', value: 'N', min: 0, max: 2 ** 31 - 1,
  help: 'seed of the counting noise (default: the seed)' };

const GENERATE: CommandSpec = {
  name: 'generate', args: '<dir>', positionals: { min: 1, max: 1 },
  summary: 'write a synthetic scan with known truth (the demo scan by default)',
  options: [
    { name: 'thresholds', kind: 'string', value: 'FROM:TO:STEP', pattern: /^\d+:\d+:\d+$/, expected: 'FROM:TO:STEP, e.g. 1320:1600:5',
      help: 'thresholds (default 1320:1600:5, at most 1000)' },
    { name: 'nacq', kind: 'integer', value: 'N', min: 1, max: 1000, help: 'acquisitions per threshold (default 10)' },
    { name: 'seed', kind: 'integer', value: 'N', min: 0, max: 2 ** 31 - 1, help: 'random seed (default 1)' },
    { name: 'size', kind: 'integer', value: 'N', min: 1, max: 1024, help: 'matrix rows and columns (default 256)' },
    { name: 'polarity', kind: 'choice', choices: ['1', '-1'], help: 'edge direction (default 1)' },
    { name: 'shutter-ms', kind: 'integer', value: 'MS', min: 1, max: 3_600_000, help: 'shutter time (default 1310)' },
    { name: 'no-variants', kind: 'flag', help: 'plain integer files only (no float/CRLF/BOM variants)' },
    { name: 'model', kind: 'choice', choices: MODEL_NAMES, help: 'pixel model of the truth (default scurve)' },
    { name: 'no-dispersion', kind: 'flag', help: 'every pixel with the same μ and σ' },
    THRESHOLD_SHIFT_OPTION, NOISE_SEED_OPTION,
    { name: 'baseline', kind: 'flag', help: 'also write a noise-baseline matrix (and the gain truth)' },
    { name: 'gain-spread', kind: 'number', value: 'F', min: 0, max: 1, help: 'relative spread of the true gain (default 0.05)' },
    { name: 'baseline-width', kind: 'number', value: 'DAC', min: 0, help: 'also write a baseline-width matrix of this value' },
  ],
};

const THRESHOLDS_OPTION = GENERATE.options[0];
const COLLECT: CommandSpec = {
  name: 'collect', args: '<root>', positionals: { min: 1, max: 1 },
  summary: 'one row per analysed scan under <root>: campaign.csv, campaign.json (default in <root>)',
  options: [
    { name: 'out', short: 'o', kind: 'string', value: 'DIR', help: 'where to write the campaign table (default <root>)' },
    { name: 'json', kind: 'flag', help: 'print the table as JSON' },
  ],
};
const COMPARE: CommandSpec = {
  name: 'compare', args: '<A> <B>', positionals: { min: 2, max: 2 },
  summary: 'B against A (data or result folders), pixel by pixel over pixels ok in both',
  options: [
    { name: 'out', short: 'o', kind: 'string', value: 'DIR', help: 'output folder (default ./velo-calib-compare)' },
    { name: 'scan', kind: 'string', value: 'ID', help: 'the scan, when a folder holds several' },
    { name: 'json', kind: 'flag', help: 'print the comparison as JSON' },
  ],
};
const GENERATE_MODULE: CommandSpec = {
  name: 'generate-module', args: '<dir>', positionals: { min: 1, max: 1 },
  summary: 'twelve ASIC scans Module0_VP0-0 … VP3-2 (VP1-2 inverted polarity, VP2-1 broken)',
  options: [
    THRESHOLDS_OPTION, ...GENERATE.options.filter(o => ['nacq', 'seed', 'size', 'shutter-ms'].includes(o.name)),
    NOISE_SEED_OPTION, THRESHOLD_SHIFT_OPTION,
    { name: 'gain-factor', kind: 'number', value: 'F', min: 1e-9, help: 'scale the gain of --gain-double-columns by F' },
    { name: 'gain-double-columns', kind: 'string', value: 'DC,DC…', pattern: /^\d+(,\d+)*$/, expected: 'double-column indices, e.g. 4,9',
      help: 'double columns whose gain changes' },
  ],
};

const DEMO: CommandSpec = {
  name: 'demo', args: '[dir]', positionals: { min: 0, max: 1 },
  summary: 'generate the demo scan (default ./demo-scan) and analyse it', options: [],
};

export function analyseOptionsFromArgs(args: ParsedArgs): AnalyseOptions {
  let fitRange: [number, number] | undefined;
  const fr = args.string('fit-range');
  if (fr) {
    fitRange = fr.split(':').map(Number) as [number, number];
    if (fitRange[0] > fitRange[1]) throw new UsageError(`--fit-range "${fr}": expected FROM ≤ TO`, ANALYSE);
  }
  let exclude: Array<[number, number]>;
  try { exclude = parseExclusions(args.all('exclude').map(String)); } catch (e) { throw new UsageError(`--exclude ${(e as Error).message}`, ANALYSE); }
  const pol = args.string('polarity') ?? 'auto';
  const wait = args.number('wait');
  return {
    ...DEFAULT_ANALYSE_OPTIONS,
    folder: args.positional[0],
    out: args.string('out'),
    mask: args.string('mask'),
    badCut: args.number('bad-cut') ?? DEFAULT_ANALYSE_OPTIONS.badCut,
    badColumns: args.number('bad-columns') ?? DEFAULT_ANALYSE_OPTIONS.badColumns,
    cutBad: !args.flag('no-cut-bad'),
    fit: !args.flag('no-fit'),
    strict: args.flag('strict'),
    workers: args.number('workers'),
    model: (args.string('model') ?? DEFAULT_ANALYSE_OPTIONS.model) as ModelName,
    polarity: pol === 'auto' ? 'auto' : (Number(pol) as 1 | -1),
    fitRange,
    outlierSigma: args.number('outlier-sigma') ?? DEFAULT_OUTLIER_SIGMA,
    exclude,
    scan: args.string('scan'),
    baseline: args.string('baseline'),
    baselineWidth: args.string('baseline-width'),
    lineEv: args.number('line-ev') ?? DEFAULT_ANALYSE_OPTIONS.lineEv,
    pairEv: args.number('pair-ev') ?? DEFAULT_ANALYSE_OPTIONS.pairEv,
    pairEvError: args.number('pair-ev-error') ?? DEFAULT_ANALYSE_OPTIONS.pairEvError,
    kbetaEv: args.number('kbeta-ev') ?? DEFAULT_ANALYSE_OPTIONS.kbetaEv,
    waitMs: wait === undefined ? undefined : wait * 1000,
  };
}

/** Human-readable progress on stderr (one line per phase step, throttled), or JSON lines on stdout. */
function consoleEmitter(json: boolean): (e: EngineEvent) => void {
  let lastProgress = 0;
  return e => {
    if (json) { process.stdout.write(JSON.stringify(e) + '\n'); return; }
    switch (e.type) {
      case 'progress': {
        const now = Date.now();
        if (e.done === e.total || now - lastProgress > 500) {
          lastProgress = now;
          process.stderr.write(`${e.phase}${e.scan ? ` ${e.scan}` : ''}: ${e.done}/${e.total}\n`);
        }
        break;
      }
      case 'log': process.stderr.write(`${e.level === 'info' ? '' : e.level + ': '}${e.message}\n`); break;
      case 'result': process.stderr.write(`results: ${e.outputDir}\n`); break;
      case 'error': process.stderr.write(`error: ${e.message}\n${DEBUG && e.stack ? `${e.stack}\n` : ''}`); break;
      case 'done': break;
    }
  };
}

/** When forked by the extension: events go over IPC, a `cancel` command aborts. */
function ipcEmitter(controller: AbortController): (e: EngineEvent) => void {
  process.on('message', (m: EngineCommand) => { if (m?.type === 'cancel') controller.abort(); });
  process.on('disconnect', () => controller.abort());
  return e => { process.send?.(e); };
}

function printSummary(outputDirs: string[], failed: FailedScan[]): void {
  for (const dir of outputDirs) {
    const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
    const a = summary.acquisitions;
    process.stdout.write(`\nScan ${summary.scan.id}: ${summary.thresholds.length} thresholds, ${a.total} acquisitions ` +
      `(${a.good} good, ${a.bad} bad, ${a.failed} unreadable), ${summary.mask.maskedPixels} masked pixels\n`);
    if (summary.fit_skipped && summary.fit_skipped.reason !== '--no-fit') process.stdout.write(`  - No fits: ${summary.fit_skipped.reason}.\n`);
    if (summary.gain) process.stdout.write(`  Baseline: ${summary.gain.baseline.file} (${summary.gain.baseline.source})\n`);
    if (summary.heterogeneity) for (const c of summary.heterogeneity.conclusions) process.stdout.write(`  - ${c}\n`);
    process.stdout.write(`Summary: ${path.join(dir, 'summary.json')}\n`);
    if (summary.heterogeneity) process.stdout.write(`Report:  ${path.join(dir, 'report.md')}\n`);
  }
  for (const f of failed) process.stdout.write(`\nScan ${f.scan}: NOT ANALYSED: ${f.message}\n`);
}

/** Where the events of a run go (IPC when forked by the extension, else the console) and what aborts it. */
function engineChannel(json: boolean) {
  const ipc = process.env[ENGINE_IPC_ENV] === '1' && typeof process.send === 'function';
  const controller = new AbortController();
  const emit = ipc ? ipcEmitter(controller) : consoleEmitter(json);
  // Ctrl-C or a polite kill: discard the run folder and release the lock (SIGKILL leaves them to the next run's clean-up)
  if (!ipc) for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => controller.abort());
  return { ipc, controller, emit };
}

async function runAnalyse(options: AnalyseOptions, json: boolean): Promise<number> {
  const { ipc, controller, emit } = engineChannel(json);
  try {
    let failed: FailedScan[] = [];
    const dirs = await analyseFolder({ ...options, signal: controller.signal },
      e => { if (e.type === 'done') failed = e.failedScans ?? []; emit(e); });
    if (!ipc && !json) printSummary(dirs, failed);
    // The extension reads failed scans from the `done` event; a script sees them in the exit code.
    return failed.length && !ipc ? 3 : 0;
  } catch (e) {
    const message = controller.signal.aborted ? 'cancelled' : failureMessage(e);
    emit({ type: 'error', message, stack: json || ipc || DEBUG ? stackOf(e) : undefined });
    return e instanceof AnalysisUsageError ? 2 : 1;
  }
}

const DEBUG = process.env.VELO_DEBUG === '1';

/** What people read when a command fails: one line, never a stack trace (that is for --json and VELO_DEBUG=1). */
function failureMessage(e: unknown): string {
  const known = e instanceof AnalysisInputError || e instanceof MatrixFormatError || e instanceof ScanAbortedError || e instanceof ResultLockedError ||
    e instanceof AuxiliaryFileError;
  if (known) return (e as Error).message;
  return environmentErrorMessage(e) ?? `internal error: ${(e as Error)?.message ?? String(e)} (VELO_DEBUG=1 shows where)`;
}

/** The demo scan is what `generate` makes without options: 57 thresholds × 10 acquisitions, 256×256. */
const DEMO_SCAN = { thresholds: '1320:1600:5', nacq: 10, seed: 1 };

/** `generate --model NAME --no-dispersion`: the pixel model and whether pixels differ (defaults leave the output as it was). */
function generatorModelOptions(args: ParsedArgs): { model?: ModelName; dispersion?: boolean } {
  const model = args.string('model') as ModelName | undefined;
  return { ...(model ? { model } : {}), ...(args.flag('no-dispersion') ? { dispersion: false } : {}) };
}

function runGenerate(args: ParsedArgs): number {
  const dir = args.positional[0];
  let thresholds: number[];
  try {
    thresholds = parseThresholdRange(args.string('thresholds') ?? DEMO_SCAN.thresholds);
  } catch (e) {
    throw new UsageError((e as Error).message, GENERATE);
  }
  if (thresholds.length > 1000) throw new UsageError(`--thresholds "${args.string('thresholds')}": ${thresholds.length} thresholds, at most 1000`, GENERATE);
  const size = args.number('size') ?? 256;
  const truth = generateScan({
    dir, thresholds, nacq: args.number('nacq') ?? DEMO_SCAN.nacq, seed: args.number('seed') ?? DEMO_SCAN.seed,
    rows: size, cols: size, polarity: Number(args.string('polarity') ?? 1) as 1 | -1,
    shutterSeconds: (args.number('shutter-ms') ?? 1310) / 1000,
    formatVariants: !args.flag('no-variants'),
    ...generatorModelOptions(args),
    noiseSeed: args.number('noise-seed'),
    adjustTruth: args.number('threshold-shift') ? applyScanChange({ thresholdShift: args.number('threshold-shift') }) : undefined,
    baseline: args.flag('baseline') ? { gainSpread: args.number('gain-spread') ?? 0.05, width: args.number('baseline-width') ?? 0 } : undefined,
  });
  process.stderr.write(`generated ${truth.thresholds.length} thresholds × ${truth.nacq} acquisitions in ${dir} ` +
    `(${truth.badAcquisitions.length} bad acquisitions; truth in ${path.join(dir, 'truth')})\n`);
  return 0;
}

async function runDemo(args: ParsedArgs): Promise<number> {
  const dir = path.resolve(args.positional[0] ?? 'demo-scan');
  if (!fs.existsSync(path.join(dir, 'truth', 'truth.json'))) {
    process.stderr.write(`generating the demo scan in ${dir} (57 thresholds × 10 acquisitions, 256×256)…\n`);
    generateScan({ dir, thresholds: parseThresholdRange(DEMO_SCAN.thresholds), nacq: DEMO_SCAN.nacq, seed: DEMO_SCAN.seed });
  }
  return runAnalyse({ ...DEFAULT_ANALYSE_OPTIONS, folder: dir }, false);
}

/** `velo-calib <command> …` parsed by that command's option table (the extension's arguments are checked with it). */
export function parseArgs(argv: string[]): ParsedArgs {
  const [name, ...rest] = argv;
  const command = COMMANDS.find(c => c.spec.name === name || c.spec.aliases?.includes(name));
  if (!command) throw new UsageError(`unknown command "${name}"`);
  return parseCommandArgs(command.spec, rest);
}

/** The parsed command line as the campaign commands (src/cli/campaignCommands.ts) take it. */
function commandArgs(spec: CommandSpec, args: ParsedArgs): CommandArgs {
  return {
    positional: args.positional, string: name => args.string(name), has: name => args.flag(name) || args.string(name) !== undefined || args.number(name) !== undefined,
    number: (name, fallback) => args.number(name) ?? fallback, usageError: message => new UsageError(message, spec),
  };
}

/** Every command: its option table (parsing, limits, help) and what runs it. A new command is one entry here. */
const COMMANDS: Array<{ spec: CommandSpec; run: (args: ParsedArgs) => number | Promise<number> }> = [
  { spec: ANALYSE, run: args => runAnalyse(analyseOptionsFromArgs(args), args.flag('json')) },
  { spec: GENERATE, run: runGenerate },
  { spec: DEMO, run: runDemo },
  ...[COLLECT, COMPARE, GENERATE_MODULE].map(spec => ({ spec, run: (args: ParsedArgs) => runCampaignCommand(spec.name, commandArgs(spec, args)) })),
];

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === 'batch') {
    return runBatchCommand(rest, forwarded => analyseOptionsFromArgs(parseCommandArgs(ANALYSE, ['.', ...forwarded])),
      { node: process.execPath, script: __filename });
  }
  if (name === 'watch') {
    try {
      return await runWatch(rest, { analyseOptions: r => analyseOptionsFromArgs(parseCommandArgs(ANALYSE, r)), channel: engineChannel });
    } catch (e) {
      if (e instanceof UsageError) { process.stderr.write(`${PROGRAM}: ${e.message}\n${usageHint(PROGRAM, ANALYSE)}\n`); return 2; }
      process.stderr.write(`${PROGRAM}: ${failureMessage(e)}\n`);
      return 1;
    }
  }
  const help = programHelp(PROGRAM, TITLE, COMMANDS.map(c => c.spec), FOOTER);
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(help + '\n');
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find(c => c.spec.name === name || c.spec.aliases?.includes(name));
  try {
    if (!command) throw new UsageError(`unknown command "${name}"`);
    const args = parseCommandArgs(command.spec, rest);
    if (args.flag('help')) {
      process.stdout.write(commandHelp(PROGRAM, command.spec) + '\n');
      return 0;
    }
    return await command.run(args);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${PROGRAM}: ${e.message}\n${e.command ? usageHint(PROGRAM, e.command) : `\n${help}`}\n`);
      return 2;
    }
    process.stderr.write(`${PROGRAM}: ${failureMessage(e)}\n${DEBUG ? `${stackOf(e)}\n` : ''}`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(code => {
    process.exitCode = code;
    if (process.env[ENGINE_IPC_ENV] === '1') process.disconnect?.();
  });
}
