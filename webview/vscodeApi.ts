// The webview side of the request/reply protocol (src/protocol.ts), shared by the three front ends: requests with
// message ids matched to replies, pushes from the host, the panel state kept with setState (so a window reload
// restores exactly what was shown), and errors shown in the panel instead of vanishing.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { HostMessage, WebviewApi } from '../src/protocol';

interface VsCodeApi { postMessage(m: unknown): void; setState(s: unknown): void; getState(): unknown }
declare function acquireVsCodeApi(): VsCodeApi;
declare global { interface Window { veloState: unknown } }

export const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** Untrusted text reaches the page only through textContent. */
export function setText(el: HTMLElement, s: string): void { el.textContent = s; }

/** Shows an error in the panel's alert line (click to dismiss). */
export function showError(message: string): void {
  const el = $('error');
  setText(el, `⚠ ${message}`);
  el.hidden = false;
  el.onclick = () => { el.hidden = true; };
}

window.addEventListener('error', ev => showError(ev.message));
window.addEventListener('unhandledrejection', ev => showError(String((ev.reason as Error)?.message ?? ev.reason)));

export interface Channel<A extends WebviewApi, S> {
  /** Asks the host; resolves with its reply, rejects (and shows the error) when its handler failed. */
  request<K extends keyof A & string>(method: K, params: A[K][0]): Promise<A[K][1]>;
  /** The panel state: what the host handed over, or what this webview saved before a reload. */
  readonly state: S;
  /** Saves part of the state (kept by VS Code across reloads and handed to the panel serializer). */
  saveState(patch: Partial<S>): void;
}

export function connect<A extends WebviewApi, Push, S extends object>(onPush: (p: Push) => void): Channel<A, S> {
  const api = acquireVsCodeApi();
  let state = { ...(window.veloState as S), ...((api.getState() as S | undefined) ?? {}) };
  api.setState(state);
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  window.addEventListener('message', (ev: MessageEvent<HostMessage<Push>>) => {
    const m = ev.data;
    if (m?.kind === 'reply') {
      const p = pending.get(m.inReplyTo);
      pending.delete(m.inReplyTo);
      if (m.error !== undefined) { showError(m.error); p?.reject(new Error(m.error)); } else p?.resolve(m.result);
    } else if (m?.kind === 'push') {
      try { onPush(m.push); } catch (e) { showError((e as Error).message); }
    }
  });
  return {
    request: (method, params) => new Promise((resolve, reject) => {
      const messageId = nextId++;
      pending.set(messageId, { resolve: resolve as (v: unknown) => void, reject });
      api.postMessage({ kind: 'request', messageId, method, params });
    }),
    get state() { return state; },
    saveState(patch) { state = { ...state, ...patch }; api.setState(state); },
  };
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

/** Calls `fn` whenever VS Code switches theme (it changes the body's vscode-light/dark/high-contrast class). */
export function onThemeChange(fn: () => void): void {
  new MutationObserver(fn).observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });
}
