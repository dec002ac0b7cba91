// Acquisition quality beyond the last-column cut: empty acquisitions (read-out dropouts) and acquisitions whose
// total count disagrees with the others of the same threshold (a Poisson dispersion test), and the hand-made
// exclusion list. Pure functions: the accumulator applies them once all totals of a threshold are known.
import erfc from '@stdlib/math-base-special-erfc';
import gammainc from '@stdlib/math-base-special-gammainc';
import { quantile } from '../statistics';
import { DEFAULT_OUTLIER_SIGMA, parseExclusions } from '../../contract/analysisSettings';

/** The default significance (Gaussian σ, one-sided) and the exclusion grammar live in the contract (the extension
 *  reads them too). */
export { DEFAULT_OUTLIER_SIGMA, parseExclusions };

/** Why an acquisition was skipped although it could be read (summary.json `bad_acquisitions[i][2]`). */
export type BadAcquisitionReason = 'noisy-last-columns' | 'empty' | 'count-outlier';
export const BAD_ACQUISITION_REASONS: readonly BadAcquisitionReason[] = ['noisy-last-columns', 'empty', 'count-outlier'];

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
  // Only the tail on the acquisition's side can be small: for x ≥ λ, P(X ≤ x) ≥ P(Gamma(λ + 1) > λ) > ½, and for
  // x ≤ λ, P(X ≥ x) = P(Gamma(x) ≤ λ) > ½ (a Gamma(a) variable's median lies in (a − ⅓, a)), far above any cut.
  totals.forEach((total, i) => {
    const x = total / dispersion;
    if (x < lambda) {
      const pAtMost = gammainc(lambda, x + 1, true, true); // P(X ≤ x), X ~ Poisson(λ)
      if (pAtMost < pCut) verdicts[i] = total === 0 ? 'empty' : 'count-outlier';
    } else if (x > lambda) {
      const pAtLeast = gammainc(lambda, x, true, false); // P(X ≥ x)
      if (pAtLeast < pCut) verdicts[i] = 'count-outlier';
    }
  });
  return verdicts;
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
