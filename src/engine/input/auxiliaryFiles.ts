// Per-scan auxiliary inputs found beside the acquisitions: pixel mask, noise baseline and baseline width.
// A file belongs to a scan when its name carries the scan's module and ASIC (`Module0_VP0-1_Matrix_Mask.csv` for the
// scan `Module0_VP0-1_ECS_data_ST_1s310ms`); a file naming no ASIC serves a folder whose scans are all of one ASIC.
// Anything else ambiguous is an error for that scan only, listing the candidates: never a silent guess.
import * as path from 'path';
import type { AmbiguousInput } from '../../protocol';
import type { Scan } from '../scanFiles';

export type AuxiliaryRole = 'mask' | 'baseline' | 'baselineWidth';

/** What each role is called in messages, and the option that chooses it explicitly. */
const ROLE_TEXT: Record<AuxiliaryRole, { what: string; option: string }> = {
  mask: { what: 'mask', option: '--mask' },
  baseline: { what: 'baseline', option: '--baseline' },
  baselineWidth: { what: 'baseline-width', option: '--baseline-width' },
};

/**
 * The role a data-folder file plays, from its name (case-insensitive): `mask` → mask; `width` or `sigma` → baseline
 * width (checked before the baseline, since width files are often named `…_Noise_Width…`); `noise` or `baseline` →
 * baseline. Only `.csv` files that are not acquisitions (the caller excludes those).
 */
export function auxiliaryRole(name: string): AuxiliaryRole | undefined {
  if (!/\.csv$/i.test(name)) return undefined;
  if (/mask/i.test(name)) return 'mask';
  if (/width|sigma/i.test(name)) return 'baselineWidth';
  if (/noise|baseline/i.test(name)) return 'baseline';
  return undefined;
}

/** Module and ASIC named in a scan prefix or a file name. */
export interface AsicIdentity {
  /** The ASIC token `VP<x>-<y>`, upper-cased; undefined when the name carries none. */
  asic?: string;
  /** The token before the ASIC (e.g. `MODULE0`), upper-cased. */
  module?: string;
  /** Without an ASIC token: the first two `_`-separated tokens (the seed's `get_mask` convention). */
  key?: string;
}

export function asicIdentity(name: string): AsicIdentity {
  const tokens = path.basename(name).split('_').filter(Boolean);
  const i = tokens.findIndex(t => /^VP\d+-\d+$/i.test(t));
  if (i >= 0) return { asic: tokens[i].toUpperCase(), module: i > 0 ? tokens[i - 1].toUpperCase() : undefined };
  return tokens.length >= 3 ? { key: tokens.slice(0, 2).join('_').toUpperCase() } : {};
}

function sameIdentity(a: AsicIdentity, b: AsicIdentity): boolean {
  if (a.asic || b.asic) return a.asic === b.asic && (!a.module || !b.module || a.module === b.module);
  return a.key !== undefined && a.key === b.key;
}

/** Whether the file's name names this scan's module/ASIC. */
export function fileNamesScan(file: string, scan: Scan): boolean {
  const f = asicIdentity(file), s = asicIdentity(scan.prefix);
  if (f.asic || s.asic) return sameIdentity(f, s);
  return s.key !== undefined && path.basename(file).toUpperCase().startsWith(s.key + '_');
}

export interface AuxiliaryChoice {
  file: string | null;
  /** `option`: given by the user; `auto`: found in the data folder; `none`: not used. */
  source: 'option' | 'auto' | 'none';
}

export interface ScanAuxiliaryFiles {
  mask: AuxiliaryChoice;
  baseline: AuxiliaryChoice;
  baselineWidth: AuxiliaryChoice;
  /** Log lines saying which file was chosen and why (or why none was). */
  notes: Array<{ level: 'info' | 'warn'; message: string }>;
}

export interface ExplicitAuxiliaryFiles {
  mask?: string;
  baseline?: string;
  baselineWidth?: string;
}

/** The scan cannot run: an auxiliary file is ambiguous (which scan, and the candidates, for the extension to ask). */
export class AuxiliaryFileError extends Error {
  constructor(message: string, readonly scan?: string, readonly ambiguous?: AmbiguousInput) { super(message); this.name = 'AuxiliaryFileError'; }
}

const AMBIGUOUS_KIND: Record<AuxiliaryRole, AmbiguousInput['kind']> = {
  mask: 'ambiguous-mask', baseline: 'ambiguous-baseline', baselineWidth: 'ambiguous-baseline-width',
};

function ambiguityError(message: string, scan: Scan, role: AuxiliaryRole, candidates: string[]): AuxiliaryFileError {
  return new AuxiliaryFileError(message, scan.id, { kind: AMBIGUOUS_KIND[role], candidates: [...candidates].sort() });
}

const names = (files: string[]) => files.map(f => path.basename(f)).join(', ');

/**
 * Chooses the mask, baseline and baseline width of `scan` among `candidates` (the auxiliary files of its folder,
 * see auxiliaryRole) given every scan of the folder. An explicit file wins for every scan; a width is looked for
 * in the folder only when the baseline was too. Throws AuxiliaryFileError when a choice is ambiguous.
 */
export function resolveAuxiliaryFiles(scan: Scan, folderScans: Scan[], candidates: string[],
  explicit: ExplicitAuxiliaryFiles): ScanAuxiliaryFiles {
  const notes: ScanAuxiliaryFiles['notes'] = [];
  const choose = (role: AuxiliaryRole, given: string | undefined, search: boolean): AuxiliaryChoice => {
    if (given) {
      const file = path.resolve(given);
      if (asicIdentity(file).asic && !fileNamesScan(file, scan)) {
        notes.push({ level: 'warn', message: `scan ${scan.id}: ${ROLE_TEXT[role].what} ${path.basename(file)} names another ASIC than the scan` });
      }
      return { file, source: 'option' };
    }
    if (!search) return { file: null, source: 'none' };
    const found = pickFromFolder(role, scan, folderScans, candidates.filter(c => auxiliaryRole(path.basename(c)) === role));
    if (found.file) notes.push({ level: 'info', message: `scan ${scan.id}: using ${ROLE_TEXT[role].what} ${path.basename(found.file)} found in the folder` });
    else if (found.others.length) {
      notes.push({ level: 'warn', message: `scan ${scan.id}: no ${ROLE_TEXT[role].what} file names its ASIC (${names(found.others)} name other ASICs)` });
    }
    return { file: found.file, source: found.file ? 'auto' : 'none' };
  };
  const mask = choose('mask', explicit.mask, true);
  if (!mask.file) notes.push({ level: 'warn', message: `scan ${scan.id}: no mask file: all pixels are used` });
  const baseline = choose('baseline', explicit.baseline, true);
  const baselineWidth = choose('baselineWidth', explicit.baselineWidth, baseline.source === 'auto');
  if (baselineWidth.file && !baseline.file) {
    notes.push({ level: 'warn', message: `scan ${scan.id}: baseline width ${path.basename(baselineWidth.file)} given without a baseline: not used` });
  }
  return { mask, baseline, baselineWidth, notes };
}

function pickFromFolder(role: AuxiliaryRole, scan: Scan, folderScans: Scan[], files: string[]): { file: string | null; others: string[] } {
  const { what, option } = ROLE_TEXT[role];
  const named = files.filter(f => fileNamesScan(f, scan));
  if (named.length === 1) return { file: named[0], others: [] };
  if (named.length > 1) {
    throw ambiguityError(`scan ${scan.id}: several ${what} files name its ASIC (${names(named)}): choose one with ${option}`, scan, role, named);
  }
  // Files naming no module/ASIC at all (e.g. `Matrix_Mask.csv`); files naming another ASIC belong to that ASIC.
  const unqualified = files.filter(f => !folderScans.some(s => fileNamesScan(f, s)) && !asicIdentity(f).asic);
  const others = files.filter(f => !unqualified.includes(f));
  if (unqualified.length === 0) return { file: null, others };
  if (unqualified.length > 1) {
    throw ambiguityError(`scan ${scan.id}: several ${what} files in the folder (${names(unqualified)}) and none names ` +
      `the scan's ASIC: choose one with ${option} or name it after the scan (e.g. ${exampleName(scan, role)})`, scan, role, unqualified);
  }
  const oneAsic = folderScans.every(s => sameIdentity(asicIdentity(s.prefix), asicIdentity(scan.prefix)));
  if (!oneAsic) {
    throw ambiguityError(`scan ${scan.id}: the ${what} file ${names(unqualified)} names no ASIC and the folder holds ` +
      `scans of several ASICs: choose it with ${option} or name it after the scan (e.g. ${exampleName(scan, role)})`, scan, role, unqualified);
  }
  return { file: unqualified[0], others };
}

/** The name a file of this role would need to be found for the scan, in the scan's own spelling. */
function exampleName(scan: Scan, role: AuxiliaryRole): string {
  const tokens = scan.prefix.split('_').filter(Boolean);
  const i = tokens.findIndex(t => /^VP\d+-\d+$/i.test(t));
  const stem = (i >= 0 ? tokens.slice(Math.max(i - 1, 0), i + 1) : tokens.slice(0, 2)).join('_') || 'Module0_VP0-0';
  return `${stem}_${role === 'mask' ? 'Matrix_Mask' : role === 'baseline' ? 'Noise_Baseline' : 'Noise_Width'}.csv`;
}

/** The files an analysis of the scan reads besides its acquisitions (part of its input fingerprint). */
export function auxiliaryFileList(files: ScanAuxiliaryFiles): string[] {
  return [files.mask.file, files.baseline.file, files.baselineWidth.file].filter((f): f is string => f !== null);
}
