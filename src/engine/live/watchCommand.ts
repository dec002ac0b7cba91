// `velo-calib watch <folder> …`: the watch's own options; every option of `analyse` is parsed by the CLI's
// analyse parser (handed in by src/cli.ts, which only dispatches here).
import { formatNumber } from '../../contract/format';
import { EngineEvent } from '../../protocol';
import { AnalyseOptions } from '../analyse';
import { parseThresholdRange } from '../generate';
import { DEFAULT_WATCH_TIMING, watchFolder, WatchOptions } from './watchFolder';

/** The line of the CLI's usage (kept to one: the extension shows the last lines of a failed run). */
export const WATCH_USAGE = '  velo-calib watch <folder> [--idle-exit S] [options of analyse]   follow a scan being taken (watch --help)';

const WATCH_HELP = `velo-calib watch <folder> [--idle-exit SECONDS] [--settle-ms MS] [--poll-ms MS] [--publish-seconds S]
                 [--refit-seconds S] [--bad-run K] [--expect-thresholds FROM:TO:STEP] [--expect-nacq N]
                 [any option of analyse: --out DIR --mask FILE --bad-cut HZ … --json]

Follows a scan being taken: every complete new acquisition is read once and summed; live snapshots and refits
are published as the scan goes; when idle for --idle-exit seconds, or on Ctrl-C / SIGTERM, the final outputs are
published: those of \`velo-calib analyse\` on the complete folder. Restart-safe (checkpoint in .<out name>.live/ beside the output).`;

interface Channel { ipc: boolean; controller: AbortController; emit: (e: EngineEvent) => void }

export interface WatchCli {
  /** The CLI's parser of `analyse` options (argv after the command). */
  analyseOptions(argv: string[]): AnalyseOptions;
  channel(json: boolean): Channel;
}

class WatchUsageError extends Error {}

type Timing = typeof DEFAULT_WATCH_TIMING;
const NUMBER_FLAGS: Record<string, keyof Timing | 'idleExitSeconds' | 'expectNacq'> = {
  'idle-exit': 'idleExitSeconds', 'settle-ms': 'settleMs', 'poll-ms': 'pollMs', 'publish-seconds': 'publishSeconds',
  'refit-seconds': 'refitSeconds', 'bad-run': 'badRun', 'expect-nacq': 'expectNacq',
};

/** Splits the watch's own options from the rest (left for the analyse parser). */
export function parseWatchArgs(argv: string[]): { rest: string[]; numbers: Partial<Record<string, number>>; expectThresholds?: number[] } {
  const rest: string[] = [], numbers: Partial<Record<string, number>> = {};
  let expectThresholds: number[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].startsWith('--') ? argv[i].slice(2).split(/=(.*)/s, 2) : [''];
    if (!(name in NUMBER_FLAGS) && name !== 'expect-thresholds') { rest.push(argv[i]); continue; }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new WatchUsageError(`--${name} needs a value`);
    if (name === 'expect-thresholds') {
      try { expectThresholds = parseThresholdRange(value); } catch (e) { throw new WatchUsageError((e as Error).message); }
      continue;
    }
    const x = Number(value);
    if (!Number.isFinite(x) || x < 0) throw new WatchUsageError(`--${name} "${value}": expected a number ≥ 0`);
    numbers[NUMBER_FLAGS[name]] = x;
  }
  return { rest, numbers, expectThresholds };
}

export async function runWatch(argv: string[], cli: WatchCli): Promise<number> {
  let options: WatchOptions, channel: Channel;
  if (argv.includes('--help') || argv.includes('-h')) { process.stdout.write(WATCH_HELP + '\n'); return 0; }
  try {
    const { rest, numbers, expectThresholds } = parseWatchArgs(argv);
    const analyse = cli.analyseOptions(rest);
    channel = cli.channel(rest.includes('--json'));
    process.on('SIGTERM', () => channel.controller.abort());
    options = {
      ...analyse, ...DEFAULT_WATCH_TIMING,
      ...Object.fromEntries(Object.entries(numbers).filter(([k]) => k !== 'expectNacq')),
      plan: expectThresholds ? { thresholds: expectThresholds, nacq: numbers.expectNacq } : undefined,
      stop: channel.controller.signal,
    } as WatchOptions;
  } catch (e) {
    if (!(e instanceof WatchUsageError)) throw e;
    process.stderr.write(`velo-calib: ${e.message}\n\n${WATCH_HELP}\n`);
    return 2;
  }
  const human = !channel.ipc && !argv.includes('--json');
  let lastStatus = 0;
  const emit = (e: EngineEvent) => {
    if (e.type === 'progress' && e.phase === 'flux' && human) return; // the status line says it better
    channel.emit(e);
    if (human && e.type === 'live' && Date.now() - lastStatus > 5000) {
      lastStatus = Date.now();
      const eta = e.etaSeconds === null ? '' : `, ETA ${formatNumber(e.etaSeconds, 2)} s`;
      process.stderr.write(`${e.scan}: ${e.filesCounted} files (${formatNumber(e.filesPerSecond, 2)}/s), ${e.thresholdsDone}/${e.thresholdsSeen} ` +
        `thresholds done, ${formatNumber(100 * e.badRate, 2)} % bad${eta}\n`);
    }
  };
  try {
    await watchFolder(options, emit);
    return 0;
  } catch (e) {
    emit({ type: 'error', message: (e as Error).message });
    return 1;
  }
}
