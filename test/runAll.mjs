// Runs every test stage in order and prints one tally: `N passed, N failed`.
// Each stage is a real process; a stage that cannot run counts as failed, never as skipped silently.
import { spawn } from 'child_process';
import fs from 'fs';

fs.rmSync('out', { recursive: true, force: true }); // no stale compiled tests

const stages = [
  { name: 'build', cmd: 'node', args: ['scripts/build.mjs'] },
  { name: 'typecheck', cmd: 'npx', args: ['--no-install', 'tsc', '-p', '.'] },
  { name: 'typecheck webview', cmd: 'npx', args: ['--no-install', 'tsc', '-p', 'webview'] },
  { name: 'lint', cmd: 'npx', args: ['--no-install', 'eslint', 'src', 'test', 'scripts', 'webview'] },
  { name: 'engine unit tests', cmd: 'node', args: ['--test', '--test-reporter=tap', '--test-concurrency=1', 'out/test/engine/'], tap: true },
  // starts (as root) a real single-node Slurm from apt's slurm-wlm + munge, and stops it; skipped with the reason otherwise
  { name: 'batch on a real Slurm', cmd: 'node', args: ['--test', '--test-reporter=tap', 'out/test/slurm/'], tap: true },
  { name: 'real VS Code: setup (apt chromium + libkrb5-dev, Node 24, code-server)', cmd: 'bash', args: ['test/vscode/setup.sh'] },
  { name: 'real VS Code: extension-host suite', cmd: 'node', args: ['test/vscode/run.mjs', 'exthost'], tap: true },
  { name: 'real VS Code: browser UI suite', cmd: 'node', args: ['test/vscode/run.mjs', 'ui'], tap: true },
];

function run(stage) {
  return new Promise(resolve => {
    const started = Date.now();
    const child = spawn(stage.cmd, stage.args, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    let out = '';
    child.stdout.on('data', d => { out += d; process.stdout.write(d); });
    child.stderr.on('data', d => process.stderr.write(d));
    child.on('error', e => { console.error(`${stage.name}: ${e.message}`); resolve({ code: 1, out, ms: Date.now() - started }); });
    child.on('close', code => resolve({ code: code ?? 1, out, ms: Date.now() - started }));
  });
}

let passed = 0, failed = 0;
const lines = [];
for (const stage of stages) {
  console.log(`\n=== ${stage.name} ===`);
  const { code, out, ms } = await run(stage);
  if (stage.tap) {
    const p = Number(/^# pass (\d+)/m.exec(out)?.[1] ?? 0), f = Number(/^# fail (\d+)/m.exec(out)?.[1] ?? 0);
    passed += p; failed += f;
    if (code !== 0 && f === 0) failed++; // crashed without reporting a failure
    lines.push(`${stage.name}: ${p} passed, ${f} failed (${(ms / 1000).toFixed(1)} s)`);
  } else {
    if (code === 0) passed++; else failed++;
    lines.push(`${stage.name}: ${code === 0 ? 'ok' : 'FAILED'} (${(ms / 1000).toFixed(1)} s)`);
  }
}
console.log('\n' + lines.join('\n'));
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
