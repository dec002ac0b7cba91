// Commands that show results: pixel map, threshold flux map, Show Pixel…, ASIC overview, Export Report.
import * as path from 'path';
import * as vscode from 'vscode';
import { REPORT_FILE } from '../contract/outputFiles';
import { readSummary, storedResults } from './analysisResults';
import { AsicOverviewPanel } from './asicOverviewPanel';
import { FitDiagnosticsPanel } from './fitDiagnosticsPanel';
import { PixelMapPanel } from './pixelMapPanel';
import { Services } from './services';
import { analyseOptionsFromSettings } from './settings';

const PIXEL_INPUT = /^\s*(\d+)\s*[, ]\s*(\d+)\s*$/;

/** report.md with a line naming its scan and data folder (older reports do not). */
export function reportNamingItsScan(report: string, scanId: string, folder: string): string {
  if (report.includes(scanId)) return report;
  const lines = report.split('\n');
  const at = lines.findIndex(l => l.startsWith('# ')) + 1;
  lines.splice(at, 0, '', `Scan \`${scanId}\` · data folder \`${folder}\``);
  return lines.join('\n');
}

export function registerPanelCommands(s: Services): void {
  const { registry, chooser } = s;

  s.command('veloCalib.openPixelMap', async (arg?: unknown) => {
    const dir = await chooser.choose(arg, 'Open the pixel map of');
    return dir ? PixelMapPanel.show(registry, dir) : undefined;
  });
  s.command('veloCalib.openThresholdMap', async (folder: string, scanId: string, threshold: number) => {
    const r = storedResults(analyseOptionsFromSettings(folder)).find(st => st.scan.id === scanId);
    return r ? PixelMapPanel.show(registry, r.outputDir, { quantity: 'flux', threshold }) : undefined;
  });
  s.command('veloCalib.showPixel', async (arg?: unknown, rowArg?: number, colArg?: number) => {
    const dir = await chooser.choose(arg, 'Show a pixel of');
    const summary = dir && readSummary(dir);
    if (!dir || !summary) return undefined;
    const { rows, cols } = summary.shape;
    const inside = (r: number, c: number) => Number.isInteger(r) && Number.isInteger(c) && r >= 0 && c >= 0 && r < rows && c < cols;
    let row = rowArg, col = colArg;
    if (row === undefined || col === undefined) {
      const text = await vscode.window.showInputBox({ title: `Show pixel · ${summary.scan.id}`, prompt: `row,col (0-based, matrix ${rows}×${cols})`, placeHolder: '128,64',
        validateInput: v => {
          const m = PIXEL_INPUT.exec(v);
          if (!m) return 'expected row,col, e.g. 128,64';
          return inside(Number(m[1]), Number(m[2])) ? undefined : `outside the ${rows}×${cols} matrix`;
        } });
      const m = text ? PIXEL_INPUT.exec(text) : null;
      if (!m) return undefined;
      [row, col] = [Number(m[1]), Number(m[2])];
    }
    if (!inside(row, col)) {
      void vscode.window.showErrorMessage(`VELO: pixel (${row}, ${col}) is outside the ${rows}×${cols} matrix.`);
      return undefined;
    }
    // Mark it in the scan's map when that is open; the fit diagnostics show it either way.
    void registry.maps.get(dir)?.markPixel(row, col);
    return summary.fit ? FitDiagnosticsPanel.show(registry, dir, row, col) : PixelMapPanel.show(registry, dir, { pixel: [row, col] });
  });
  s.command('veloCalib.openAsicOverview', async (arg?: unknown) => {
    const dir = await chooser.choose(arg, 'Open the ASIC overview of');
    return dir ? AsicOverviewPanel.show(registry, dir) : undefined;
  });
  s.command('veloCalib.exportReport', async (arg?: unknown, target?: vscode.Uri) => {
    const dir = await chooser.choose(arg, 'Export the report of');
    const summary = dir && readSummary(dir);
    if (!dir || !summary) return undefined;
    const folder = summary.dataFolder ?? path.dirname(dir);
    const dest = target ?? await vscode.window.showSaveDialog({ filters: { Markdown: ['md'] }, title: `Export the report of ${summary.scan.id}`,
      defaultUri: vscode.Uri.file(path.join(folder, `${summary.scan.id}-report.md`)) });
    if (!dest) return undefined;
    const report = Buffer.from(await vscode.workspace.fs.readFile(vscode.Uri.file(path.join(dir, REPORT_FILE)))).toString('utf8');
    await vscode.workspace.fs.writeFile(dest, Buffer.from(reportNamingItsScan(report, summary.scan.id, folder), 'utf8'));
    registry.used(dir);
    void vscode.window.showInformationMessage(`VELO: report of ${summary.scan.id} exported to ${dest.fsPath}`);
    return dest.fsPath;
  });
}
