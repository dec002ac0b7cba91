// ASIC overview: ASIC flux vs threshold with its fit and the ok pixels' fit, key numbers, the plain-language
// conclusions; with a noise baseline the gain numbers and the fit of the baseline-aligned ASIC curve. A live watch's
// snapshots redraw it in place.
import { liveSnapshotText } from '../src/contract/summary';
import type { CurveSpec, OverviewApi, OverviewData, OverviewPush, OverviewState } from '../src/protocol';
import { curvePoints, errorBarPlugin, PALETTE, themedChart } from './charts';
import { $, connect, setText, tableRows } from './vscodeApi';

const chart = themedChart($<HTMLCanvasElement>('asicCurve'), {
  type: 'scatter', data: { datasets: [] }, plugins: [errorBarPlugin],
  options: { responsive: true, maintainAspectRatio: false, scales: { x: { title: { display: true, text: 'threshold (DAC)' } },
    y: { title: { display: true, text: 'ASIC flux, total (Hz)' } } }, plugins: { legend: { position: 'top' } } },
});

const channel = connect<OverviewApi, OverviewPush, OverviewState>(push => { if (push.type === 'refresh') render(push.data, true); });

/** Draws the overview; `inPlace` (a live watch's new snapshot): the chart is updated without animation. */
function render(m: OverviewData, inPlace: boolean): void {
  setText($('title'), `ASIC overview · ${m.title}${m.live ? ` (${liveSnapshotText(m.live)})` : ''}`);
  setText($('folder'), m.folder);
  const idx = m.thresholds.map((_, j) => j).filter(j => m.flux[j] !== null);
  const datasets: object[] = [{ label: 'ASIC flux', data: idx.map(j => ({ x: m.thresholds[j], y: m.flux[j] })),
    errors: idx.map(j => m.fluxError[j]), borderColor: PALETTE[0], backgroundColor: PALETTE[0], pointRadius: 2.5 }];
  const t0 = m.thresholds[0], t1 = m.thresholds[m.thresholds.length - 1];
  if (m.fit) datasets.push({ type: 'line', label: `${m.fit.model} fit`, data: curvePoints(m.fit, t0, t1), borderColor: PALETTE[1], pointRadius: 0, borderWidth: 1.5 });
  if (m.asicGood) {
    datasets.push({ type: 'line', label: 'fit of the ok pixels only (ASIC good)', data: curvePoints(m.asicGood, t0, t1),
      borderColor: PALETTE[2], borderDash: [5, 4], pointRadius: 0, borderWidth: 1.5 });
  }
  chart.data.datasets = datasets as never;
  chart.update(inPlace ? 'none' : undefined);
  tableRows($<HTMLTableElement>('numbers'), [...m.keyNumbers, ...(m.allBad.length ? [['thresholds with every acquisition bad', m.allBad.join(', ')] as [string, string]] : [])]);
  $('conclusions').replaceChildren(...m.conclusions.map(c => { const li = document.createElement('li'); setText(li, c); return li; }));
  showGain(m.gainNumbers ?? [], m.aligned ?? null, inPlace);
  document.body.dataset.live = m.live ? String(m.live.files_counted) : 'complete';
  document.body.dataset.ready = 'true';
}

void channel.request('ready', channel.state).then(m => render(m, false));

let alignedChart: ReturnType<typeof themedChart> | undefined;

/** The gain numbers and the aligned curve's fit around its edge (μ ± 5σ on the target axis). */
function showGain(numbers: Array<[string, string]>, aligned: CurveSpec | null, inPlace: boolean): void {
  $('gain').hidden = numbers.length === 0;
  if (numbers.length === 0) return;
  tableRows($<HTMLTableElement>('gainNumbers'), numbers);
  if (!aligned) return;
  const [mu, sigma] = aligned.params;
  alignedChart ??= themedChart($<HTMLCanvasElement>('alignedCurve'), {
    type: 'scatter', data: { datasets: [] },
    options: { responsive: true, maintainAspectRatio: false, scales: { x: { title: { display: true, text: 'threshold − baseline (DAC)' } },
      y: { title: { display: true, text: 'flux per pixel (Hz)' } } }, plugins: { legend: { position: 'top' } } },
  });
  alignedChart.data.datasets = [{ type: 'line', label: 'fit of the baseline-aligned ASIC curve', data: curvePoints(aligned, mu - 5 * sigma, mu + 5 * sigma),
    borderColor: PALETTE[1], pointRadius: 0, borderWidth: 1.5 }] as never;
  alignedChart.update(inPlace ? 'none' : undefined);
}
