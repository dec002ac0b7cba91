// The VELO Scans tree's grouping (module → ASIC → data folder), on the scan ids the generators write.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { MODULE_ASICS, asicScanPrefix } from '../../src/engine/campaign/generateModule';
import { conditionText, groupScans, ScanGrouping } from '../../src/extension/scanGroups';
import { scratchDir } from '../engine/helpers';

type S = { folder: string; scanId: string };
/** The tree as text, one line per node, indented by depth. */
function outline(nodes: Array<ScanGrouping<S>>, depth = 0): string[] {
  return nodes.flatMap(n => {
    const pad = '  '.repeat(depth);
    if (n.kind === 'scan') return [`${pad}${n.scan.scanId}`];
    return [`${pad}${n.kind === 'folder' ? `[${path.basename(n.folder)}]` : `${n.kind} ${n.label}`}`, ...outline(n.children, depth + 1)];
  });
}
const moduleScans = (folder: string, module = 'Module0'): S[] => MODULE_ASICS.map(a => ({ folder, scanId: `${asicScanPrefix(module, a)}1s310ms` }));

test('single-scan folders and a folder of two shutter times of one ASIC keep today\'s look: folder → scans', () => {
  const scans: S[] = [{ folder: '/w/small', scanId: 'Module0_VP0-1_ECS_data_ST_1s310ms' },
    { folder: '/w/multi', scanId: 'Module0_VP0-1_ECS_data_ST_1s' }, { folder: '/w/multi', scanId: 'Module0_VP0-1_ECS_data_ST_2s' }];
  assert.deepEqual(outline(groupScans(scans)), ['[small]', '  Module0_VP0-1_ECS_data_ST_1s310ms', '[multi]',
    '  Module0_VP0-1_ECS_data_ST_1s', '  Module0_VP0-1_ECS_data_ST_2s']);
});

test('a module folder: one module (no module level), twelve ASICs in module order, each scan under its ASIC', () => {
  const tree = groupScans(moduleScans('/w/module'));
  assert.deepEqual(tree.map(n => (n.kind === 'asic' ? n.label : n.kind)), MODULE_ASICS);
  const vp21 = tree[7];
  assert.equal(vp21.kind === 'asic' && vp21.children.length === 1 && vp21.children[0].kind === 'scan' && vp21.children[0].scan.scanId,
    'Module0_VP2-1_ECS_data_ST_1s310ms');
});

test('warm and cold folders of two modules: module → ASIC → the two folders → scan', () => {
  const scans = [...moduleScans('/c/warm'), ...moduleScans('/c/cold'), ...moduleScans('/c/m10', 'Module10'), ...moduleScans('/c/m2', 'Module2')];
  const lines = outline(groupScans(scans));
  assert.deepEqual(lines.filter(l => l.startsWith('module')), ['module Module0', 'module Module2', 'module Module10'], 'natural order');
  const at = lines.indexOf('  asic VP3-2');
  assert.deepEqual(lines.slice(at, at + 5), ['  asic VP3-2', '    [warm]', '      Module0_VP3-2_ECS_data_ST_1s310ms', '    [cold]',
    '      Module0_VP3-2_ECS_data_ST_1s310ms']);
  assert.equal(lines.filter(l => l.trim().startsWith('Module')).length, 48, 'every scan once');
});

test('scans naming no module or ASIC (a stray scan) never force a level: they follow the groups, in their folder', () => {
  const stray = { folder: '/b', scanId: 'scan_ST_1s' };
  assert.deepEqual(outline(groupScans([{ folder: '/a', scanId: 'Module0_VP0-0_x_ST_1s' }, stray])),
    ['[a]', '  Module0_VP0-0_x_ST_1s', '[b]', '  scan_ST_1s'], 'one named module and ASIC: no level at all');
  assert.deepEqual(outline(groupScans([{ folder: '/a', scanId: 'Module0_VP0-0_x_ST_1s' }, { folder: '/c', scanId: 'Module1_VP0-0_x_ST_1s' }, stray])),
    ['module Module0', '  Module0_VP0-0_x_ST_1s', 'module Module1', '  Module1_VP0-0_x_ST_1s', '[b]', '  scan_ST_1s']);
});

test('a folder\'s condition: scan.json label with temperature and fluence, a warm/cold token, else nothing', () => {
  const root = scratchDir('scan-groups');
  const cold = path.join(root, 'irradiated'), warm = path.join(root, 'M0_warm_run'), plain = path.join(root, 'plain'), broken = path.join(root, 'broken');
  for (const d of [cold, warm, plain, broken]) fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(cold, 'scan.json'), JSON.stringify({ label: 'cold', temperature_c: -25, fluence_neq_cm2: 1e15 }));
  fs.writeFileSync(path.join(broken, 'scan.json'), '{ label: cold');
  assert.equal(conditionText(cold), 'cold · -25 °C · 1.0e+15 neq/cm²');
  assert.equal(conditionText(warm), 'warm');
  assert.equal(conditionText(plain), '');
  assert.match(conditionText(broken), /^scan\.json unreadable: .*scan\.json: expected JSON/);
});
