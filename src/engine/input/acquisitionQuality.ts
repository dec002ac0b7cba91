// Acquisition quality beyond the last-column cut: empty acquisitions (read-out dropouts) and acquisitions whose
// total count disagrees with the others of the same threshold (a Poisson dispersion test), and the hand-made
// exclusion list. Pure functions: the accumulator applies them once all totals of a threshold are known.
import erfc from '@stdlib/math-base-special-erfc';
import gammainc from '@stdlib/math-base-special-gammainc';
import { quantile } from '../statistics';

/** Why an acquisition was skipped although it could be read (summary.json `bad_acquisitions[i][2]`). */
export type BadAcquisitionReason = 'noisy-last-columns' | 'empty' | 'count-outlier';
export const BAD_ACQUISITION_REASONS: readonly BadAcquisitionReason[] = ['noisy-last-columns', 'empty', 'count-outlier'];

/** Default significance (in Gaussian σ, one-sided) beyond which an acquisition's total is an outlier. */
export const DEFAULT_OUTLIER_SIGMA = 5;

/** Fewer acquisitions than this at a threshold: no median worth testing against. */
const MIN_ACQUISITIONS_FOR_TEST = 3;

/**
 * Verdict per acquisition total (hits over unmasked pixels) of one threshold: 'empty' for a total of 0 that the
 * others make implausible, 'count-outlier' for any other implausible total, undefined when consistent.
 *
 * The expectation is the median total (robust against the outliers themselves); the test is the exact Poisson
 * tail probability, so low counts (a handful of hits above the edge) are never flagged for being 0 or 2.
 * When the totals spread more than Poisson allows (1.4826·MAD above √median), the test is quasi-Poisson: counts
 * and expectation are divided by that over-dispersion factor, so a real but smooth rate drift is not flagged.
 * `sigma` ≤ 0 turns the test off.
 */
export function countVerdicts(totals: number[], sigma: number): Array<'empty' | 'count-outlier' | undefined> {
  const verdicts: Array<'empty' | 'count-outlier' | undefined> = totals.map(() => undefined);
  if (!(sigma > 0) || totals.length < MIN_ACQUISITIONS_FOR_TEST) return verdicts;
  const m = quantile(totals, 0.5);
  const spread = 1.4826 * quantile(totals.map(t => Math.abs(t - m)), 0.5);
  const expected = Math.max(m, 1);
  const dispersion = Math.max(1, spread * spread / expected);
  const lambda = expected / dispersion;
  const pCut = 0.5 * erfc(sigma / Math.SQRT2);
  totals.forEach((total, i) => {
    const x = total / dispersion;
    const pAtMost = gammainc(lambda, x + 1, true, true); // P(X ≤ x), X ~ Poisson(λ)
    const pAtLeast = x <= 0 ? 1 : gammainc(lambda, x, true, false); // P(X ≥ x)
    if (pAtMost < pCut) verdicts[i] = total === 0 ? 'empty' : 'count-outlier';
    else if (pAtLeast < pCut) verdicts[i] = 'count-outlier';
  });
  return verdicts;
}

/** `THR:ACQ[,THR:ACQ…]` (CLI) or a list of such strings (setting) → pairs; throws with the offending item. */
export function parseExclusions(text: string | string[]): Array<[number, number]> {
  const items = (Array.isArray(text) ? text : [text]).flatMap(t => t.split(/[,\s]+/)).filter(Boolean);
  return items.map(item => {
    const m = /^(\d+):(\d+)$/.exec(item);
    if (!m) throw new Error(`"${item}": expected THR:ACQ (threshold and acquisition number), e.g. 1440:3`);
    return [Number(m[1]), Number(m[2])];
  });
}

/** Outcome of one acquisition as the report needs it (a subset of the accumulator's AcquisitionOutcome). */
interface OutcomeLike { status: string; reason?: BadAcquisitionReason }

/** report.md: the acquisitions left out, counted by reason. */
export function skippedAcquisitionsReport(perThreshold: Array<{ outcomes: OutcomeLike[] }>): string[] {
  const outcomes = perThreshold.flatMap(t => t.outcomes);
  const count = (pick: (o: OutcomeLike) => boolean) => outcomes.filter(pick).length;
  const rows: Array<[string, number]> = [
    ...BAD_ACQUISITION_REASONS.map((r): [string, number] => [r, count(o => o.status === 'bad' && o.reason === r)]),
    ['excluded by hand', count(o => o.status === 'excluded')],
    ['unreadable', count(o => o.status === 'error')],
  ];
  return ['## Skipped acquisitions', '', `${count(o => o.status === 'good')} of ${outcomes.length} acquisitions used.`, '',
    '| reason | acquisitions |', '|---|---|', ...rows.map(([r, n]) => `| ${r} | ${n} |`), ''];
}
