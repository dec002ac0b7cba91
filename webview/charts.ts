// chart.js set up for the webviews: only the pieces used, theme colours, and vertical error bars.
import {
  BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, LogarithmicScale,
  Plugin, PointElement, ScatterController, Tooltip,
} from 'chart.js';
import type { CurveSpec } from '../src/protocol';
import { makeModel } from '../src/engine/scurveModel';
import { themeColor } from './vscodeApi';

Chart.register(BarController, BarElement, CategoryScale, Legend, LinearScale, LogarithmicScale, LineController, LineElement,
  PointElement, ScatterController, Tooltip);

/** Draws ±error bars for datasets that carry `errors` (same order as their data). */
export const errorBarPlugin: Plugin = {
  id: 'errorBars',
  afterDatasetsDraw(chart) {
    const ctx = chart.ctx;
    chart.data.datasets.forEach((ds, i) => {
      const errors = (ds as unknown as { errors?: number[] }).errors;
      if (!errors || !chart.isDatasetVisible(i)) return;
      const meta = chart.getDatasetMeta(i), y = chart.scales.y;
      ctx.save();
      ctx.strokeStyle = String(ds.borderColor ?? '#888');
      ctx.lineWidth = 1;
      meta.data.forEach((pt, j) => {
        const raw = (ds.data[j] as { y: number } | undefined)?.y, e = errors[j];
        if (raw === undefined || !Number.isFinite(raw) || !Number.isFinite(e)) return;
        const top = y.getPixelForValue(raw + e), bottom = y.getPixelForValue(Math.max(raw - e, y.min));
        ctx.beginPath(); ctx.moveTo(pt.x, top); ctx.lineTo(pt.x, bottom); ctx.stroke();
      });
      ctx.restore();
    });
  },
};

export function applyTheme(): void {
  Chart.defaults.color = themeColor('--vscode-foreground', '#ccc');
  Chart.defaults.borderColor = themeColor('--vscode-panel-border', 'rgba(128,128,128,0.3)');
  Chart.defaults.font.family = themeColor('--vscode-font-family', 'sans-serif');
  Chart.defaults.animation = false;
}

export const PALETTE = ['#4e9bd6', '#e8a33d', '#57b36a', '#d65f5f', '#a67fd6', '#4fc1c1', '#c9c94f'];

/** Points (t, F(t)) of a fitted curve, finely sampled over [t0, t1], scaled by `scale`. */
export function curvePoints(spec: CurveSpec, t0: number, t1: number, scale = 1, n = 200): Array<{ x: number; y: number }> {
  const model = makeModel(spec.model, spec.polarity);
  const theta = Float64Array.from(spec.params);
  return Array.from({ length: n }, (_, i) => {
    const t = t0 + ((t1 - t0) * i) / (n - 1);
    return { x: t, y: scale * model.evaluate(t, theta) };
  });
}

export function evaluateCurve(spec: CurveSpec, t: number): number {
  return makeModel(spec.model, spec.polarity).evaluate(t, Float64Array.from(spec.params));
}

export { Chart };
