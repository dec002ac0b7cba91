// Common host side of the webview panels: strict CSP with a nonce, local resources limited to dist/webview and
// media, the ready handshake (the webview posts `ready`, the host answers with data), disposal.
import * as crypto from 'crypto';
import * as vscode from 'vscode';

export abstract class Disposable implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;

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

export abstract class WebviewHost<ToWebview, FromWebview extends { type: string }> extends Disposable {
  private readyResolve!: () => void;
  /** Resolves once the webview has announced itself and received its first data. */
  readonly ready = new Promise<void>(r => { this.readyResolve = r; });

  protected constructor(protected readonly extensionUri: vscode.Uri, readonly panel: vscode.WebviewPanel,
    private readonly script: string, private readonly state: unknown) {
    super();
    panel.webview.options = webviewOptions(extensionUri);
    panel.webview.html = this.html();
    this.register(panel.webview.onDidReceiveMessage(async (m: FromWebview) => {
      if (m.type === 'ready') { await this.onReady(); this.readyResolve(); } else await this.onMessage(m);
    }));
    this.register(panel.onDidDispose(() => this.dispose()));
  }

  protected post(message: ToWebview): Thenable<boolean> {
    return this.panel.webview.postMessage(message);
  }

  protected abstract onReady(): Promise<void>;
  protected abstract onMessage(message: FromWebview): Promise<void>;
  /** Static markup of the page body (no untrusted text: that arrives as messages and is set as textContent). */
  protected abstract body(): string;

  private html(): string {
    const webview = this.panel.webview;
    const nonce = crypto.randomBytes(16).toString('base64');
    const uri = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, ...p));
    const state = JSON.stringify(this.state).replace(/</g, '\\u003c');
    return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${webview.cspSource} data: blob:; font-src ${webview.cspSource}; style-src ${webview.cspSource}; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link href="${uri('media', 'webview.css')}" rel="stylesheet">
</head><body>
${this.body()}
<script nonce="${nonce}">window.veloState = ${state};</script>
<script nonce="${nonce}" src="${uri('dist', 'webview', `${this.script}.js`)}"></script>
</body></html>`;
  }
}
