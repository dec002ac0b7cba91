// `npm run test:desktop`: the extension-host suite under @vscode/test-electron, on a machine that can download
// desktop VS Code (not this CI: its download fails here, so `npm test` runs the same suite under code-server).
import path from 'path';
import { fileURLToPath } from 'url';
import fs from 'fs';
import os from 'os';
import { runTests } from '@vscode/test-electron';
import { prepareWorkspace } from './workspace.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const base = fs.mkdtempSync(path.join(os.tmpdir(), 'velo-calib-desktop-'));
const ws = prepareWorkspace(base);
try {
  await runTests({ extensionDevelopmentPath: root, extensionTestsPath: path.join(root, 'out/test/vscode/suite'), launchArgs: [ws, '--disable-extensions'] });
} catch (e) {
  console.error('desktop extension-host tests failed:', e.message);
  process.exitCode = 1;
}
