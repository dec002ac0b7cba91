// chart.js set up for the webviews: only the pieces used, colours from the live VS Code theme, vertical error bars.
import {
  BarController, BarElement, CategoryScale, Chart, ChartConfiguration, Legend, LinearScale, LineController, LineElement,
  LogarithmicScale, Plugin, PointElement, ScatterController, Tooltip,
} from 'chart.js';
import type { CurveSpec } from '../src/protocol';
import { makeModel } from '../src/engine/scurveModel';
import { onThemeChange, themeColor } from './vscodeApi';

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

export const PALETTE = ['#4e9bd6', '#e8a33d', '#57b36a', '#d65f5f', '#a67fd6', '#4fc1c1', '#c9c94f'];

interface ThemeColors { text: string; grid: string; font: string }

function currentTheme(): ThemeColors {
  return {
    text: themeColor('--vscode-editor-foreground', themeColor('--vscode-foreground', '#cccccc')),
    grid: themeColor('--vscode-editorWidget-border', themeColor('--vscode-panel-border', 'rgba(128,128,128,0.35)')),
    font: themeColor('--vscode-font-family', 'sans-serif'),
  };
}

const charts: Chart[] = [];

/** Puts the theme's colours into every scale, title and legend of a chart (explicitly: defaults are cached). */
function restyle(chart: Chart, t: ThemeColors): void {
  const o = chart.options as { color?: string; borderColor?: string; scales?: Record<string, unknown>; plugins?: { legend?: { labels?: object } } };
  o.color = t.text;
  o.borderColor = t.grid;
  for (const scale of Object.values(o.scales ?? {}) as Array<Record<string, Record<string, unknown>>>) {
    scale.ticks = { ...scale.ticks, color: t.text };
    scale.grid = { ...scale.grid, color: t.grid };
    scale.border = { ...scale.border, color: t.grid };
    if (scale.title) scale.title = { ...scale.title, color: t.text };
  }
  if (o.plugins?.legend) o.plugins.legend.labels = { ...o.plugins.legend.labels, color: t.text };
}

function applyTheme(): void {
  const t = currentTheme();
  Chart.defaults.color = t.text;
  Chart.defaults.borderColor = t.grid;
  Chart.defaults.font.family = t.font;
  Chart.defaults.animation = false;
  for (const c of charts) { restyle(c, t); c.update(); }
}
applyTheme();
onThemeChange(applyTheme);

/** A chart that follows the VS Code theme as it changes. */
export function themedChart(canvas: HTMLCanvasElement, config: ChartConfiguration): Chart {
  const chart = new Chart(canvas, config);
  charts.push(chart);
  restyle(chart, currentTheme());
  chart.update();
  return chart;
}

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
