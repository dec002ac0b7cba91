// The built CLI (dist/cli.js) as a user runs it: exit codes, messages, --json events.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { scratchDir } from './helpers';

const CLI = path.resolve(__dirname, '../../../dist/cli.js');

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('generate then analyse --json: JSON-line events, result, summary', () => {
  const dir = scratchDir('cli');
  const gen = cli('generate', dir, '--thresholds', '1320:1600:20', '--nacq', '4', '--seed', '3', '--size', '16');
  assert.equal(gen.code, 0, gen.stderr);
  const out = path.join(dir, 'results');
  const r = cli('analyse', dir, '--out', out, '--json', '--workers', '2');
  assert.equal(r.code, 0, r.stderr);
  const events = r.stdout.trim().split('\n').map(l => JSON.parse(l));
  assert.ok(events.some(e => e.type === 'progress' && e.phase === 'flux'));
  assert.ok(events.some(e => e.type === 'progress' && e.phase === 'fit'));
  const result = events.find(e => e.type === 'result');
  assert.equal(result.outputDir, out);
  assert.equal(events[events.length - 1].type, 'done');
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
  assert.equal(summary.thresholds.length, 15);
  assert.ok(fs.existsSync(path.join(out, 'pixel_fits.csv')));
});

test('human output prints the summary and report paths; errors exit ≠ 0 with a clear message', () => {
  const dir = scratchDir('cli-human');
  assert.equal(cli('generate', dir, '--thresholds', '1320:1600:40', '--nacq', '3', '--size', '8').code, 0);
  const ok = cli('analyse', dir, '--no-fit');
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /Summary: .*velo-calib\/summary\.json/);
  const empty = cli('analyse', scratchDir('cli-empty'));
  assert.equal(empty.code, 1);
  assert.match(empty.stderr, /no scan files \(expected names like/);
  const usage = cli('analyse', dir, '--bad-cut', 'many');
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--bad-cut "many": expected a number/);
  assert.equal(cli('frobnicate').code, 2);
});
