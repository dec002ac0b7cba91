#!/usr/bin/env node
// `velo-calib`: the command-line tool, and the child process the extension forks (talking over Node IPC).
import * as fs from 'fs';
import * as path from 'path';
import { CAMPAIGN_COMMANDS, CAMPAIGN_USAGE, CAMPAIGN_VALUE_FLAGS, CommandArgs, runCampaignCommand } from './cli/campaignCommands';
import { analyseFolder, AnalyseOptions, AnalysisInputError, DEFAULT_ANALYSE_OPTIONS, FailedScan } from './engine/analyse';
import { AuxiliaryFileError } from './engine/input/auxiliaryFiles';
import { ScanAbortedError } from './engine/flux';
import { generateScan, parseThresholdRange } from './engine/generate';
import { DEFAULT_OUTLIER_SIGMA, parseExclusions } from './engine/input/acquisitionQuality';
import { MatrixFormatError } from './engine/matrixParser';
import { MODEL_NAMES, ModelName } from './engine/scurveModel';
import { runWatch, WATCH_USAGE } from './engine/live/watchCommand';
import { ENGINE_IPC_ENV, EngineCommand, EngineEvent } from './protocol';
import { runBatchCommand } from './cli/batchCommand';

const USAGE = `velo-calib — per-pixel flux and S-curve fits of VELO VeloPix threshold scans

Usage:
  velo-calib analyse <folder> [--out DIR] [--mask FILE] [--bad-cut HZ] [--bad-columns N] [--no-cut-bad]
                     [--no-fit] [--model scurve|seed|seed-sqrt2|kbeta] [--polarity auto|1|-1]
                     [--fit-range FROM:TO] [--scan ID] [--workers N] [--strict] [--json]
                     [--outlier-sigma N] [--exclude THR:ACQ[,THR:ACQ…]]
                     [--baseline FILE [--baseline-width FILE]] [--line-ev 5895] [--pair-ev 3.62]
                     [--pair-ev-error 0.03] [--kbeta-ev 6490]
  velo-calib generate <dir> [--thresholds 1320:1600:5] [--nacq 10] [--seed 1] [--size 256]
                     [--polarity 1|-1] [--shutter-ms 1310] [--no-variants]
                     [--model scurve|seed|seed-sqrt2|kbeta] [--no-dispersion]
                     [--baseline [--gain-spread 0.05] [--baseline-width DAC]]
  velo-calib demo [dir]      generate the demo scan (default ./demo-scan) and analyse it
  velo-calib batch <root> | status <dir> | resubmit <dir>   all scans under <root> as Slurm array jobs (batch --help)
${WATCH_USAGE}
${CAMPAIGN_USAGE}

Outputs go to <folder>/velo-calib/ (or --out): Fluxperpixel_*, UncertaintyFluxperpixel_*, FluxperASIC_*,
UncertaintyFluxperASIC_*, summary.json, pixel_fits.csv, map_*.csv, asic_fit.json, report.md.
Exit codes: 0 ok, 1 error, 2 usage error, 3 some scans of the folder failed (the others have results).`;

class UsageError extends Error {}

interface ParsedArgs { positional: string[]; flags: Map<string, string | true> }

const VALUE_FLAGS = new Set(['out', 'mask', 'bad-cut', 'bad-columns', 'model', 'polarity', 'fit-range', 'scan', 'workers',
  'outlier-sigma', 'exclude', 'thresholds', 'nacq', 'seed', 'size', 'shutter-ms', 'baseline', 'baseline-width', 'line-ev',
  'pair-ev', 'pair-ev-error', 'kbeta-ev', 'gain-spread', ...CAMPAIGN_VALUE_FLAGS]);
const BOOLEAN_FLAGS = new Set(['no-cut-bad', 'no-fit', 'strict', 'json', 'no-variants', 'no-dispersion', 'help']);
/** `generate --baseline` is a switch; `analyse --baseline FILE` takes a value. */
const GENERATE_BOOLEAN_FLAGS = new Set(['baseline']);

export function parseArgs(argv: string[]): ParsedArgs {
  const positional: string[] = [], flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h') { flags.set('help', true); continue; }
    if (!a.startsWith('--')) { positional.push(a); continue; }
    const [name, inline] = a.slice(2).split(/=(.*)/s, 2);
    if (BOOLEAN_FLAGS.has(name) || (positional[0] === 'generate' && GENERATE_BOOLEAN_FLAGS.has(name))) {
      flags.set(name, true); continue;
    }
    if (!VALUE_FLAGS.has(name)) throw new UsageError(`unknown option --${name}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    flags.set(name, value);
  }
  return { positional, flags };
}

function numberFlag(flags: ParsedArgs['flags'], name: string, fallback: number, integer = false): number {
  const v = flags.get(name);
  if (v === undefined) return fallback;
  const x = Number(v);
  if (v === true || !Number.isFinite(x) || (integer && !Number.isInteger(x))) {
    throw new UsageError(`--${name} "${v}": expected ${integer ? 'an integer' : 'a number'}`);
  }
  return x;
}

function stringFlag(flags: ParsedArgs['flags'], name: string): string | undefined {
  const v = flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

export function analyseOptionsFromArgs(args: ParsedArgs): AnalyseOptions {
  const folder = args.positional[1];
  if (!folder) throw new UsageError('analyse needs a data folder');
  const model = (stringFlag(args.flags, 'model') ?? 'scurve') as ModelName;
  if (!MODEL_NAMES.includes(model)) throw new UsageError(`--model "${model}": expected one of ${MODEL_NAMES.join(', ')}`);
  const pol = stringFlag(args.flags, 'polarity') ?? 'auto';
  if (!['auto', '1', '-1', '+1'].includes(pol)) throw new UsageError(`--polarity "${pol}": expected auto, 1 or -1`);
  let fitRange: [number, number] | undefined;
  const fr = stringFlag(args.flags, 'fit-range');
  if (fr) {
    const m = /^(-?\d+(?:\.\d+)?):(-?\d+(?:\.\d+)?)$/.exec(fr);
    if (!m) throw new UsageError(`--fit-range "${fr}": expected FROM:TO`);
    fitRange = [Number(m[1]), Number(m[2])];
  }
  const badColumns = numberFlag(args.flags, 'bad-columns', DEFAULT_ANALYSE_OPTIONS.badColumns, true);
  if (badColumns < 1) throw new UsageError('--bad-columns must be ≥ 1');
  const energy = (name: string, fallback: number, zeroAllowed = false) => {
    const v = numberFlag(args.flags, name, fallback);
    if (v < 0 || (v === 0 && !zeroAllowed)) throw new UsageError(`--${name} must be ${zeroAllowed ? '≥' : '>'} 0`);
    return v;
  };
  const outlierSigma = numberFlag(args.flags, 'outlier-sigma', DEFAULT_OUTLIER_SIGMA);
  if (outlierSigma < 0) throw new UsageError('--outlier-sigma must be ≥ 0 (0 turns the count-outlier test off)');
  let exclude: Array<[number, number]>;
  try { exclude = parseExclusions(stringFlag(args.flags, 'exclude') ?? ''); } catch (e) { throw new UsageError(`--exclude ${(e as Error).message}`); }
  return {
    ...DEFAULT_ANALYSE_OPTIONS,
    folder,
    out: stringFlag(args.flags, 'out'),
    mask: stringFlag(args.flags, 'mask'),
    badCut: numberFlag(args.flags, 'bad-cut', DEFAULT_ANALYSE_OPTIONS.badCut),
    badColumns,
    cutBad: !args.flags.has('no-cut-bad'),
    fit: !args.flags.has('no-fit'),
    strict: args.flags.has('strict'),
    workers: args.flags.has('workers') ? numberFlag(args.flags, 'workers', 0, true) : undefined,
    model,
    polarity: pol === 'auto' ? 'auto' : (Number(pol) as 1 | -1),
    fitRange,
    outlierSigma,
    exclude,
    scan: stringFlag(args.flags, 'scan'),
    baseline: stringFlag(args.flags, 'baseline'),
    baselineWidth: stringFlag(args.flags, 'baseline-width'),
    lineEv: energy('line-ev', DEFAULT_ANALYSE_OPTIONS.lineEv),
    pairEv: energy('pair-ev', DEFAULT_ANALYSE_OPTIONS.pairEv),
    pairEvError: energy('pair-ev-error', DEFAULT_ANALYSE_OPTIONS.pairEvError, true),
    kbetaEv: energy('kbeta-ev', DEFAULT_ANALYSE_OPTIONS.kbetaEv),
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
      case 'error': process.stderr.write(`error: ${e.message}\n`); break;
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
  if (!ipc) process.on('SIGINT', () => controller.abort());
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
    const known = e instanceof AnalysisInputError || e instanceof MatrixFormatError || e instanceof ScanAbortedError ||
      e instanceof AuxiliaryFileError;
    emit({ type: 'error', message: controller.signal.aborted ? 'cancelled' : known ? (e as Error).message : String((e as Error).stack ?? e) });
    return 1;
  }
}

/** The parsed command line for the commands that live in their own modules (src/cli/). */
function commandArgs(args: ParsedArgs): CommandArgs {
  return {
    positional: args.positional.slice(1), string: name => stringFlag(args.flags, name), has: name => args.flags.has(name),
    number: (name, fallback, integer) => numberFlag(args.flags, name, fallback, integer), usageError: message => new UsageError(message),
  };
}

/** The demo scan is what `generate` makes without options: 57 thresholds × 10 acquisitions, 256×256. */
const DEMO_SCAN = { thresholds: '1320:1600:5', nacq: 10, seed: 1 };

/** `generate --model NAME --no-dispersion`: the pixel model and whether pixels differ (defaults leave the output as it was). */
function generatorModelOptions(args: ParsedArgs): { model?: ModelName; dispersion?: boolean } {
  const model = stringFlag(args.flags, 'model') as ModelName | undefined;
  if (model !== undefined && !MODEL_NAMES.includes(model)) throw new UsageError(`--model "${model}": expected one of ${MODEL_NAMES.join(', ')}`);
  return { ...(model ? { model } : {}), ...(args.flags.has('no-dispersion') ? { dispersion: false } : {}) };
}

function runGenerate(args: ParsedArgs): number {
  const dir = args.positional[1];
  if (!dir) throw new UsageError('generate needs a target folder');
  const size = numberFlag(args.flags, 'size', 256, true);
  const pol = numberFlag(args.flags, 'polarity', 1, true);
  if (pol !== 1 && pol !== -1) throw new UsageError('--polarity must be 1 or -1');
  const truth = generateScan({
    dir, thresholds: parseThresholdRange(stringFlag(args.flags, 'thresholds') ?? DEMO_SCAN.thresholds),
    nacq: numberFlag(args.flags, 'nacq', DEMO_SCAN.nacq, true), seed: numberFlag(args.flags, 'seed', DEMO_SCAN.seed, true),
    rows: size, cols: size, polarity: pol as 1 | -1,
    shutterSeconds: numberFlag(args.flags, 'shutter-ms', 1310, true) / 1000,
    formatVariants: !args.flags.has('no-variants'),
    ...generatorModelOptions(args),
    baseline: args.flags.has('baseline') ? {
      gainSpread: numberFlag(args.flags, 'gain-spread', 0.05), width: numberFlag(args.flags, 'baseline-width', 0),
    } : undefined,
  });
  process.stderr.write(`generated ${truth.thresholds.length} thresholds × ${truth.nacq} acquisitions in ${dir} ` +
    `(${truth.badAcquisitions.length} bad acquisitions; truth in ${path.join(dir, 'truth')})\n`);
  return 0;
}

async function runDemo(args: ParsedArgs): Promise<number> {
  const dir = path.resolve(args.positional[1] ?? 'demo-scan');
  if (!fs.existsSync(path.join(dir, 'truth', 'truth.json'))) {
    process.stderr.write(`generating the demo scan in ${dir} (57 thresholds × 10 acquisitions, 256×256)…\n`);
    generateScan({ dir, thresholds: parseThresholdRange(DEMO_SCAN.thresholds), nacq: DEMO_SCAN.nacq, seed: DEMO_SCAN.seed });
  }
  return runAnalyse({ ...DEFAULT_ANALYSE_OPTIONS, folder: dir }, false);
}

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'batch') {
    return runBatchCommand(argv.slice(1), forwarded => analyseOptionsFromArgs(parseArgs(['analyse', '.', ...forwarded])),
      { node: process.execPath, script: __filename });
  }
  try {
    if (argv[0] === 'watch') return await runWatch(argv.slice(1), { analyseOptions: rest => analyseOptionsFromArgs(parseArgs(['analyse', ...rest])), channel: engineChannel });
    const args = parseArgs(argv);
    const command = args.positional[0];
    if (args.flags.has('help') || !command) { process.stdout.write(USAGE + '\n'); return command || args.flags.has('help') ? 0 : 2; }
    switch (command) {
      case 'analyse': case 'analyze': return await runAnalyse(analyseOptionsFromArgs(args), args.flags.has('json'));
      case 'generate': return runGenerate(args);
      case 'demo': return await runDemo(args);
      default:
        if (CAMPAIGN_COMMANDS.includes(command)) return runCampaignCommand(command, commandArgs(args));
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    if (e instanceof UsageError) { process.stderr.write(`velo-calib: ${e.message}\n\n${USAGE}\n`); return 2; }
    process.stderr.write(`velo-calib: ${(e as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(code => {
    process.exitCode = code;
    if (process.env[ENGINE_IPC_ENV] === '1') process.disconnect?.();
  });
}
