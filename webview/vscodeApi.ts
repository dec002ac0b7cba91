// Typed access to the webview side of VS Code, shared by the three front ends.
import '@vscode-elements/elements/dist/vscode-button/index.js';

interface VsCodeApi<From> { postMessage(m: From): void; setState(s: unknown): void; getState(): unknown }
declare function acquireVsCodeApi<From>(): VsCodeApi<From>;
declare global { interface Window { veloState: unknown } }

/** Connects a front end: keeps the panel state for restore, listens, then announces `ready` (the handshake). */
export function connect<From extends { type: string }, To>(onMessage: (m: To) => void): (m: From) => void {
  const api = acquireVsCodeApi<From>();
  api.setState(window.veloState);
  window.addEventListener('message', (ev: MessageEvent<To>) => onMessage(ev.data));
  const post = (m: From) => api.postMessage(m);
  queueMicrotask(() => post({ type: 'ready' } as From));
  return post;
}

export const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** Untrusted text reaches the page only through textContent. */
export function setText(el: HTMLElement, s: string): void { el.textContent = s; }

export function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'n/a';
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? v.toExponential(4) : Number(v.toPrecision(6)).toString();
}

export function tableRows(table: HTMLTableElement, rows: Array<[string, string]>, heading?: string): void {
  const out: HTMLTableRowElement[] = [];
  if (heading) {
    const tr = document.createElement('tr'), th = document.createElement('th');
    th.colSpan = 2; setText(th, heading); tr.append(th); out.push(tr);
  }
  for (const [k, v] of rows) {
    const tr = document.createElement('tr'), a = document.createElement('td'), b = document.createElement('td');
    setText(a, k); setText(b, v); tr.append(a, b); out.push(tr);
  }
  table.replaceChildren(...out);
}

/** Theme colours from VS Code's CSS variables (light, dark, high contrast). */
export function themeColor(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}
