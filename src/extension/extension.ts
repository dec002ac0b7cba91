// Extension entry: a table of contents. Each area registers its commands, views and panels; nothing computes here.
import * as vscode from 'vscode';
import { pickFolder, registerAnalysisCommands } from './analysisCommands';
import { registerCampaign } from './campaignPanel';
import { registerCompareCommand } from './compareCommand';
import { registerLiveWatch } from './liveWatch';
import { registerPanelCommands } from './panelCommands';
import { createServices, Services } from './services';

/** What other extensions may use: the scans tree and the engine runner. */
export interface VeloCalibApi {
  tree: Services['tree'];
  runner: Services['runner'];
}

function registerViews(s: Services): void {
  // Several scans can be selected: "Compare With…" on two selected scans compares them.
  s.context.subscriptions.push(vscode.window.createTreeView('veloCalib.scans', { treeDataProvider: s.tree, canSelectMany: true }),
    ...s.registry.registerSerializers());
  s.command('veloCalib.refresh', () => s.tree.refresh());
  s.command('veloCalib.openAcquisition', (file: vscode.Uri | string) =>
    vscode.commands.executeCommand('vscode.open', typeof file === 'string' ? vscode.Uri.file(file) : file));
}

export function activate(context: vscode.ExtensionContext): VeloCalibApi {
  const services = createServices(context);
  registerViews(services);
  registerAnalysisCommands(services);
  registerPanelCommands(services);
  registerCampaign(services);
  registerCompareCommand(services);
  const watches = registerLiveWatch(context, services.runner, services.tree, services.log, () => pickFolder('Folder of the scan being taken'));
  context.subscriptions.push(watches.onDidPublish(dir => void services.registry.refresh(dir)));
  return { tree: services.tree, runner: services.runner };
}

export function deactivate(): void {
  // The context's subscriptions dispose the runner (killing every child), the panels and the watchers.
}
