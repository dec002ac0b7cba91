// "VELO: Collect Campaign…" and the Campaign panel: `velo-calib collect` runs in the engine process on a root
// folder; the panel shows its campaign.json as a sortable table and as the module's twelve ASIC tiles coloured by
// a per-scan quantity; a tile or row opens that scan's pixel map; Refresh collects again.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { CAMPAIGN_JSON } from '../contract/campaign';
import { CampaignApi, CampaignData, CampaignPush, CampaignState } from '../protocol';
import { readSummary } from './analysisResults';
import { AnalysisCancelled } from './engineRunner';
import type { PanelRegistry } from './panelRegistry';
import { PixelMapPanel } from './pixelMapPanel';
import { pickFolder } from './analysisCommands';
import { Services } from './services';
import { Handlers, webviewOptions, WebviewHost } from './webviewHost';

/** Runs `collect` on a root (in the engine process); rejects when it fails or is cancelled. */
export type Collector = (root: string) => Promise<void>;

/** The table `collect` wrote under `root`. */
export function readCampaign(root: string): CampaignData {
  const file = path.join(root, CAMPAIGN_JSON);
  let json: { created?: string; scans?: CampaignData['rows']; skipped?: CampaignData['skipped'] };
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: no readable campaign table (run "VELO: Collect Campaign…" on ${root}): ${(e as Error).message}`, { cause: e });
  }
  if (!Array.isArray(json.scans)) throw new Error(`${file}: not a velo-calib campaign table (no "scans" list)`);
  return { root, created: json.created ?? '', rows: json.scans, skipped: json.skipped ?? [] };
}

export class CampaignPanel extends WebviewHost<CampaignApi, CampaignPush> {
  static readonly viewType = 'veloCalib.campaign';

  static restore(registry: PanelRegistry, panel: vscode.WebviewPanel, state: CampaignState, collect: Collector): CampaignPanel {
    return new CampaignPanel(registry, panel, state, collect);
  }

  /** Shows the campaign of `root` (its open panel gets the new table). */
  static async show(registry: PanelRegistry, root: string, collect: Collector): Promise<CampaignPanel> {
    let p = registry.campaigns.get(root);
    if (p) {
      p.panel.reveal(p.panel.viewColumn);
      await p.ready;
      await p.push({ type: 'data', data: readCampaign(root) });
      return p;
    }
    const panel = vscode.window.createWebviewPanel(CampaignPanel.viewType, 'VELO Campaign', registry.mainColumn(), webviewOptions(registry.host.extensionUri));
    p = new CampaignPanel(registry, panel, { root }, collect);
    await p.ready;
    return p;
  }

  private readonly root: string;

  private constructor(private readonly registry: PanelRegistry, panel: vscode.WebviewPanel, state: CampaignState, private readonly collect: Collector) {
    super(registry.host, panel, 'campaign', state);
    this.root = state.root;
    registry.campaigns.get(this.root)?.panel.dispose();
    registry.campaigns.set(this.root, this);
    panel.title = `Campaign · ${path.basename(this.root)}`;
    this.register({ dispose: () => { if (registry.campaigns.get(this.root) === this) registry.campaigns.delete(this.root); } });
  }

  protected body(): string {
    return `<div id="toolbar">
  <span id="title"></span>
  <label id="moduleLabel">Module <select id="module"></select></label>
  <label id="conditionLabel">Condition <select id="condition"></select></label>
  <label>Colour by <select id="quantity"></select></label>
  <vscode-button id="refresh" secondary>Refresh</vscode-button>
</div>
<div id="campaignMain">
  <section><h3>Module</h3><div id="moduleLayout" role="grid" aria-label="the module's ASICs"></div>
    <div id="tileBar"><canvas id="tileBarCanvas" width="200" height="12" aria-label="colour bar"></canvas><div id="tileBarTicks"></div></div>
    <div id="tileInfo" class="hint"></div></section>
  <section id="tableBox"><h3>Scans</h3><table id="scans"><thead></thead><tbody></tbody></table><ul id="skipped" class="hint"></ul></section>
</div>`;
  }

  protected handlers(): Handlers<CampaignApi> {
    return {
      ready: () => readCampaign(this.root),
      refresh: async () => { await this.collect(this.root); return readCampaign(this.root); },
      openScan: async ({ folder }) => {
        const dir = path.resolve(this.root, folder);
        const inside = dir === this.root || dir.startsWith(this.root + path.sep);
        if (!inside || !readSummary(dir)) throw new Error(`no analysed scan in ${dir}`);
        await PixelMapPanel.show(this.registry, dir);
        return null;
      },
    };
  }
}

/** The command, the panel serializer, and the collect run they share. */
export function registerCampaign(s: Services): void {
  const collect: Collector = async root => {
    const out = await vscode.window.withProgress({
      location: vscode.ProgressLocation.Notification, title: `VELO: collecting the campaign under ${path.basename(root)}`, cancellable: true,
    }, (_progress, token) => s.runner.runCommand(['collect', root, '--json'], token));
    const result = JSON.parse(out) as { rows: unknown[]; skipped: Array<{ folder: string; reason: string }> };
    s.log.info(`campaign of ${root}: ${result.rows.length} analysed scans`);
    for (const k of result.skipped) s.log.warn(`campaign of ${root}: skipped ${k.folder}: ${k.reason}`);
  };
  s.context.subscriptions.push(vscode.window.registerWebviewPanelSerializer(CampaignPanel.viewType, {
    deserializeWebviewPanel: async (panel, state: CampaignState | undefined) => {
      if (!state?.root || !fs.existsSync(path.join(state.root, CAMPAIGN_JSON))) { panel.dispose(); return; }
      CampaignPanel.restore(s.registry, panel, state, collect);
    },
  }));
  s.command('veloCalib.collectCampaign', async (target?: vscode.Uri | string) => {
    const root = typeof target === 'string' ? target : target?.fsPath ?? await pickFolder('Root folder of the campaign (its analysed scans are collected)');
    if (!root) return undefined;
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('VELO: collecting runs the engine and writes campaign.csv: trust this workspace first.');
      return undefined;
    }
    try {
      await collect(path.resolve(root));
    } catch (e) {
      if (e instanceof AnalysisCancelled) return undefined;
      s.log.error((e as Error).message);
      void vscode.window.showErrorMessage(`VELO: ${(e as Error).message.split('\n')[0]}`, 'Show Log').then(c => { if (c) s.log.show(); });
      throw e;
    }
    return CampaignPanel.show(s.registry, path.resolve(root), collect);
  });
}
