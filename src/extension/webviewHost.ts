// Common host side of the webview panels: strict CSP with a nonce, local resources limited to dist/webview and
// media, and the request/reply protocol (src/protocol.ts): every request is answered once; a handler that throws
// is logged and its message shown in the panel; `ready` resolves when the webview has announced itself, or
// rejects after WEBVIEW_READY_TIMEOUT_MS.
import * as crypto from 'crypto';
import * as vscode from 'vscode';
import { HostMessage, WEBVIEW_READY_TIMEOUT_MS, WebviewApi, WebviewRequest } from '../protocol';

export abstract class Disposable implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;

  get isDisposed(): boolean { return this.disposed; }

  protected register<T extends vscode.Disposable>(d: T): T {
    if (this.disposed) d.dispose(); else this.disposables.push(d);
    return d;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    while (this.disposables.length) this.disposables.pop()!.dispose();
  }
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    retainContextWhenHidden: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

/**
 * Static markup of a matrix view (webview/heatmap.ts draws into it): readout line, then the map canvas `canvasId`
 * with row/column axes and colour bar (`scaleExtra` beside the bar), followed by `side` in the same row.
 */
export function matrixViewHtml(canvasId: string, label: string, side: string, scaleExtra = ''): string {
  return `<div id="readout" role="status">hover a pixel</div>
<div id="main">
  <div id="mapArea">
    <div></div><div id="colAxis" class="axis" aria-label="column"></div><div></div>
    <div id="rowAxis" class="axis" aria-label="row"></div>
    <div id="mapBox"><canvas id="${canvasId}" width="256" height="256" aria-label="${label}" tabindex="0"></canvas></div>
    <div id="scaleBox"><div id="colorbar"><canvas id="bar" width="14" height="200"></canvas><div id="barTicks"></div></div>${scaleExtra}</div>
  </div>
  <div id="side">${side}</div>
</div>`;
}

export type Handlers<A extends WebviewApi> = { [K in keyof A]: (params: A[K][0]) => A[K][1] | Promise<A[K][1]> };

export interface HostContext { extensionUri: vscode.Uri; log: vscode.LogOutputChannel }

export abstract class WebviewHost<A extends WebviewApi, Push> extends Disposable {
  private readyResolve!: () => void;
  private readyReject!: (e: Error) => void;
  /** Resolves once the webview has announced itself and received its first data; rejects after the timeout. */
  readonly ready = new Promise<void>((resolve, reject) => { this.readyResolve = resolve; this.readyReject = reject; });

  protected constructor(protected readonly host: HostContext, readonly panel: vscode.WebviewPanel, private readonly script: string,
    initialState: unknown) {
    super();
    panel.webview.options = webviewOptions(host.extensionUri);
    panel.iconPath = vscode.Uri.joinPath(host.extensionUri, 'media', 'velo.svg');
    this.ready.catch(e => {
      host.log.error(`${script}: ${(e as Error).message}`);
      void vscode.window.showErrorMessage(`VELO: ${(e as Error).message}`, 'Show Log').then(c => { if (c) host.log.show(); });
    });
    const timer = setTimeout(() => this.readyReject(new Error(`the ${script} view did not start within ${WEBVIEW_READY_TIMEOUT_MS / 1000} s`)),
      WEBVIEW_READY_TIMEOUT_MS);
    this.register({ dispose: () => clearTimeout(timer) });
    this.register(panel.webview.onDidReceiveMessage((m: WebviewRequest<A>) => this.answer(m)));
    this.register(panel.onDidDispose(() => this.dispose()));
    panel.webview.html = this.html(initialState);
  }

  protected abstract handlers(): Handlers<A>;
  /** Static markup of the page body (no untrusted text: that arrives as messages and is set as textContent). */
  protected abstract body(): string;

  private async answer(m: WebviewRequest<A>): Promise<void> {
    if (m?.kind !== 'request') return;
    let reply: HostMessage<Push>;
    try {
      const handler = this.handlers()[m.method] as (p: unknown) => unknown;
      if (!handler) throw new Error(`unknown request "${String(m.method)}"`);
      reply = { kind: 'reply', inReplyTo: m.messageId, result: await handler.call(this, m.params) };
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.host.log.error(`${this.script}: ${String(m.method)} failed: ${e instanceof Error && e.stack ? e.stack : message}`);
      reply = { kind: 'reply', inReplyTo: m.messageId, error: message };
    }
    if (this.isDisposed) return;
    await this.panel.webview.postMessage(reply);
    if (m.method === 'ready') {
      if (reply.error) this.readyReject(new Error(reply.error)); else this.readyResolve();
    }
  }

  protected push(push: Push): Thenable<boolean> {
    return this.isDisposed ? Promise.resolve(false) : this.panel.webview.postMessage({ kind: 'push', push } satisfies HostMessage<Push>);
  }

  private html(state: unknown): string {
    const webview = this.panel.webview;
    const nonce = crypto.randomBytes(16).toString('base64');
    const uri = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(this.host.extensionUri, ...p));
    const stateJson = JSON.stringify(state).replace(/</g, '\\u003c');
    return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${webview.cspSource} data: blob:; font-src ${webview.cspSource}; style-src ${webview.cspSource}; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link href="${uri('media', 'webview.css')}" rel="stylesheet">
</head><body>
<div id="error" role="alert" hidden></div>
${this.body()}
<script nonce="${nonce}">window.veloState = ${stateJson};</script>
<script nonce="${nonce}" src="${uri('dist', 'webview', `${this.script}.js`)}"></script>
</body></html>`;
  }
}
