// `veloCalib.*` settings of a data folder (resource scope: each folder may have its own) → the analysis request.
import * as vscode from 'vscode';
import { AnalysisRequest, requestFromSettings } from './analysisArguments';

export { cliArguments } from './analysisArguments';

export function analyseOptionsFromSettings(folder: string, scan?: string): AnalysisRequest {
  const c = vscode.workspace.getConfiguration('veloCalib', vscode.Uri.file(folder));
  return requestFromSettings(folder, key => c.get(key), scan);
}
