// The campaign commands of the CLI: `collect` (one table of every analysed scan), `compare` (two scans pixel
// by pixel) and `generate-module` (a synthetic module of twelve ASIC scans). cli.ts only dispatches here.
import * as path from 'path';
import { collectCampaign } from '../engine/campaign/collect';
import { compareScans } from '../engine/campaign/compare';
import { generateModule, ScanChange } from '../engine/campaign/generateModule';
import { parseThresholdRange } from '../engine/generate';

export const CAMPAIGN_USAGE = `  velo-calib collect <root> [--out DIR] [--json]
                     one row per analysed scan under <root>: campaign.csv, campaign.json (default in <root>)
  velo-calib compare <A> <B> [--out DIR] [--scan ID] [--json]
                     B against A (data or result folders), over pixels ok in both (default --out ./velo-calib-compare)
  velo-calib generate-module <dir> [--thresholds 1320:1600:5] [--nacq 10] [--seed 1] [--size 256] [--shutter-ms 1310]
                     [--noise-seed N] [--threshold-shift DAC] [--gain-factor F --gain-double-columns DC,DC…]
                     twelve ASIC scans Module0_VP0-0 … VP3-2 (VP1-2 inverted polarity, VP2-1 broken)`;

export const CAMPAIGN_COMMANDS = ['collect', 'compare', 'generate-module'];
/** Options that take a value, besides the common ones (--out, --scan, --thresholds, …). */
export const CAMPAIGN_VALUE_FLAGS = ['threshold-shift', 'gain-factor', 'gain-double-columns', 'noise-seed'];

/** The parsed command line as cli.ts hands it over (its own option parsing, validation and usage errors). */
export interface CommandArgs {
  positional: string[];
  string(name: string): string | undefined;
  number(name: string, fallback: number, integer?: boolean): number;
  has(name: string): boolean;
  /** An error that makes the CLI print the usage and exit with 2. */
  usageError(message: string): Error;
}

function runCollect(args: CommandArgs): number {
  const root = args.positional[0];
  if (!root) throw args.usageError('collect needs a folder to walk');
  const result = collectCampaign(root, args.string('out') ?? root);
  if (args.has('json')) process.stdout.write(JSON.stringify(result) + '\n');
  else {
    for (const s of result.skipped) process.stderr.write(`skipped ${s.folder}: ${s.reason}\n`);
    process.stdout.write(`${result.rows.length} analysed scans\nCampaign: ${result.files.csv}\n          ${result.files.json}\n`);
  }
  return 0;
}

function runCompare(args: CommandArgs): number {
  const [a, b] = args.positional;
  if (!a || !b) throw args.usageError('compare needs two folders: A and B');
  const out = path.resolve(args.string('out') ?? 'velo-calib-compare');
  const comparison = compareScans({ a, b, out, scan: args.string('scan') });
  if (args.has('json')) process.stdout.write(JSON.stringify(comparison) + '\n');
  else process.stdout.write(comparison.conclusions.map(c => `  - ${c}`).join('\n') + `\nReport: ${path.join(out, 'compare.md')}\n`);
  return 0;
}

function runGenerateModule(args: CommandArgs): number {
  const dir = args.positional[0];
  if (!dir) throw args.usageError('generate-module needs a target folder');
  const change: ScanChange = { thresholdShift: args.number('threshold-shift', 0) };
  const factor = args.number('gain-factor', 1);
  const columns = args.string('gain-double-columns');
  if (factor !== 1 || columns) {
    if (!columns || !/^\d+(,\d+)*$/.test(columns)) throw args.usageError('--gain-factor needs --gain-double-columns DC,DC… (double-column indices)');
    if (!(factor > 0)) throw args.usageError('--gain-factor must be > 0');
    change.gainChange = { factor, doubleColumns: columns.split(',').map(Number) };
  }
  const scans = generateModule({
    dir, thresholds: parseThresholdRange(args.string('thresholds') ?? '1320:1600:5'),
    nacq: args.number('nacq', 10, true), seed: args.number('seed', 1, true), size: args.number('size', 256, true),
    shutterSeconds: args.number('shutter-ms', 1310, true) / 1000, change,
    noiseSeed: args.has('noise-seed') ? args.number('noise-seed', 0, true) : undefined,
  });
  process.stderr.write(`generated ${scans.length} ASIC scans in ${dir} (truth in ${path.join(dir, 'truth')})\n`);
  return 0;
}

export function runCampaignCommand(command: string, args: CommandArgs): number {
  switch (command) {
    case 'collect': return runCollect(args);
    case 'compare': return runCompare(args);
    case 'generate-module': return runGenerateModule(args);
    default: throw args.usageError(`unknown command "${command}"`);
  }
}
