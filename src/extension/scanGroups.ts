// How the VELO Scans tree arranges scans: module → ASIC → data folder (labelled by its condition: warm, cold, a
// fluence), each level shown only where it tells scans apart. No vscode import (unit-tested).
import * as path from 'path';
import { formatNumber } from '../contract/format';
import { moduleAndAsic, scanCondition } from '../engine/campaign/resultFolders';

/** A scan as the grouping sees it: where it lives and who it is on the module. */
export interface GroupableScan { folder: string; scanId: string }

export type ScanGrouping<T extends GroupableScan> =
  | { kind: 'module' | 'asic'; label: string; key: string; children: Array<ScanGrouping<T>> }
  | { kind: 'folder'; folder: string; key: string; children: Array<ScanGrouping<T>> }
  | { kind: 'scan'; scan: T };

const LEVELS = ['module', 'asic'] as const;

/** Natural order: VP0-2 before VP0-10, Module2 before Module10. */
const naturalOrder = (a: string, b: string) => a.localeCompare(b, undefined, { numeric: true });

/**
 * The tree of `scans`. A level (module, ASIC) appears only when the scans below it name at least two different
 * ones; scans whose names carry none (a stray test scan) never force a level and follow the named groups. Data
 * folders appear at the top (today's look: folder → scans) or below a group when that group's scans come from
 * several folders (e.g. the warm and the cold scan of one ASIC). Within a folder, scans keep the order given.
 */
export function groupScans<T extends GroupableScan>(scans: T[]): Array<ScanGrouping<T>> {
  const identity = new Map(scans.map(s => [s, moduleAndAsic(s.scanId)]));
  const build = (items: T[], level: number, keyPrefix: string, top: boolean): Array<ScanGrouping<T>> => {
    if (level < LEVELS.length) {
      const name = LEVELS[level], of = (s: T) => identity.get(s)![name];
      const named = [...new Set(items.map(of).filter(Boolean))].sort(naturalOrder);
      if (named.length < 2) return build(items, level + 1, keyPrefix, top);
      const groups = named.map((v): ScanGrouping<T> => {
        const key = `${keyPrefix}/${name}:${v}`;
        return { kind: name, label: v, key, children: build(items.filter(s => of(s) === v), level + 1, key, false) };
      });
      const unnamed = items.filter(s => !of(s));
      return unnamed.length ? [...groups, ...build(unnamed, level + 1, keyPrefix, top)] : groups;
    }
    const folders = [...new Set(items.map(s => s.folder))];
    if (!top && folders.length === 1) return items.map(scan => ({ kind: 'scan', scan }));
    return folders.map(folder => {
      const key = `${keyPrefix}/folder:${folder}`;
      return { kind: 'folder', folder, key, children: items.filter(s => s.folder === folder).map(scan => ({ kind: 'scan' as const, scan })) };
    });
  };
  return build(scans, 0, '', true);
}

/** What a data folder's row says about its condition: the scan.json label (with temperature, fluence), a
 *  warm/cold token of its name; nothing when the label is only the folder's name. */
export function conditionText(folder: string): string {
  let c;
  try { c = scanCondition(folder); } catch (e) { return `scan.json unreadable: ${(e as Error).message.split('\n')[0]}`; }
  if (c.source === 'folder name' && c.label === path.basename(folder)) return '';
  const extras = [c.temperature_c !== null ? `${c.temperature_c} °C` : '', c.fluence_neq_cm2 !== null ? `${formatNumber(c.fluence_neq_cm2, 2)} neq/cm²` : '']
    .filter(Boolean);
  return [c.label, ...extras].join(' · ');
}
