// What the extension's areas share: the log, the engine runner, the scans tree, the panel registry, the scan
// chooser; all owned by the extension context.
import * as path from 'path';
import * as vscode from 'vscode';
import { EngineRunner } from './engineRunner';
import { PanelRegistry } from './panelRegistry';
import { ScanChooser } from './scanChooser';
import { ScanTreeProvider } from './scanTree';

export interface Services {
  context: vscode.ExtensionContext;
  log: vscode.LogOutputChannel;
  runner: EngineRunner;
  tree: ScanTreeProvider;
  registry: PanelRegistry;
  chooser: ScanChooser;
  /** Registers a command for the lifetime of the extension. */
  command(id: string, fn: (...args: never[]) => unknown): void;
}

export function createServices(context: vscode.ExtensionContext): Services {
  const log = vscode.window.createOutputChannel('VELO Calibration', { log: true });
  const runner = new EngineRunner(path.join(context.extensionPath, 'dist', 'cli.js'), log);
  const tree = new ScanTreeProvider();
  const registry = new PanelRegistry({ extensionUri: context.extensionUri, log });
  context.subscriptions.push(log, runner, tree, registry);
  return {
    context, log, runner, tree, registry, chooser: new ScanChooser(registry, tree),
    command: (id, fn) => context.subscriptions.push(vscode.commands.registerCommand(id, fn)),
  };
}
