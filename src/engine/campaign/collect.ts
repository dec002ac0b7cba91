// `velo-calib collect`: one row per analysed scan under a folder (campaign.csv and campaign.json), always
// rebuilt from the scans' summary.json files so it can never drift from the results it lists.
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../atomicFiles';
import { findResultFolders, moduleAndAsic, readResultFolder, ResultFolder, scanCondition } from './resultFolders';

export const CAMPAIGN_COLUMNS = [
  'scan', 'folder', 'module', 'asic', 'label', 'temperature_c', 'fluence_neq_cm2', 'shutter_s', 'thresholds',
  'acquisitions_good', 'acquisitions_bad', 'pixels_ok', 'asic_mu', 'asic_mu_err', 'asic_sigma', 'asic_sigma_err',
  'pixel_mu_median', 'pixel_mu_spread', 'pixel_sigma_median', 'gain_median', 'gain_spread', 'model', 'polarity',
  'data_folder',
] as const;

export type CampaignRow = Record<(typeof CAMPAIGN_COLUMNS)[number], string | number | null>;

const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** First finite number among the dotted `keys` of an optional block (null when the block or the value is absent). */
function pick(block: Record<string, unknown> | undefined, keys: string[]): number | null {
  if (!block) return null;
  for (const k of keys) {
    const v = k.split('.').reduce<unknown>((o, part) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[part] : undefined), block);
    if (finite(v) !== null) return v as number;
  }
  return null;
}

export function campaignRow(result: ResultFolder, root: string): CampaignRow {
  const s = result.summary;
  const { module, asic } = moduleAndAsic(s.scan.id);
  const condition = scanCondition(s.dataFolder);
  const asicFit = s.fit?.asic;
  return {
    scan: s.scan.id,
    folder: path.relative(root, result.dir) || '.',
    module, asic, label: condition.label, temperature_c: condition.temperature_c, fluence_neq_cm2: condition.fluence_neq_cm2,
    shutter_s: s.scan.shutterSeconds,
    thresholds: s.thresholds.length,
    acquisitions_good: s.acquisitions.good,
    acquisitions_bad: s.acquisitions.bad,
    pixels_ok: finite(s.heterogeneity?.ok_pixels),
    asic_mu: finite(asicFit?.params.mu), asic_mu_err: finite(asicFit?.errors.mu),
    asic_sigma: finite(asicFit?.params.sigma), asic_sigma_err: finite(asicFit?.errors.sigma),
    pixel_mu_median: finite(s.heterogeneity?.mu.median),
    pixel_mu_spread: finite(s.heterogeneity?.mu.robustRms),
    pixel_sigma_median: finite(s.heterogeneity?.sigma.median),
    // summary.gain.pixels (gain calibration): K median and robust spread over ok pixels with a baseline
    gain_median: pick(s.gain, ['pixels.gain_median']),
    gain_spread: pick(s.gain, ['pixels.gain_spread']),
    model: s.fit?.model ?? null, polarity: finite(s.fit?.polarity),
    data_folder: s.dataFolder,
  };
}

/** Quotes a CSV cell when it holds a comma, quote or line break (RFC 4180). */
function csvCell(v: string | number | null): string {
  if (v === null) return '';
  const t = String(v);
  return /[",\r\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}

export function campaignCsv(rows: CampaignRow[]): string {
  return [CAMPAIGN_COLUMNS.join(','), ...rows.map(r => CAMPAIGN_COLUMNS.map(c => csvCell(r[c])).join(','))].join('\n') + '\n';
}

export interface CollectResult {
  rows: CampaignRow[];
  /** Summaries that could not be read, with the reason (listed, never fatal). */
  skipped: Array<{ folder: string; reason: string }>;
  files: { csv: string; json: string };
}

/** Walks `root`, builds one row per analysed scan (sorted by module, ASIC, label, folder) and writes both files atomically. */
export function collectCampaign(root: string, outDir = root): CollectResult {
  const absRoot = path.resolve(root);
  const rows: CampaignRow[] = [], skipped: CollectResult['skipped'] = [];
  for (const dir of findResultFolders(absRoot)) {
    try {
      rows.push(campaignRow(readResultFolder(dir), absRoot));
    } catch (e) {
      skipped.push({ folder: path.relative(absRoot, dir) || '.', reason: (e as Error).message });
    }
  }
  const key = (r: CampaignRow) => [r.module, r.asic, r.label, r.folder].map(v => String(v ?? '')).join('\u0000');
  rows.sort((a, b) => key(a).localeCompare(key(b)));
  fs.mkdirSync(path.resolve(outDir), { recursive: true });
  const files = { csv: path.join(path.resolve(outDir), 'campaign.csv'), json: path.join(path.resolve(outDir), 'campaign.json') };
  writeFileAtomic(files.csv, campaignCsv(rows));
  writeFileAtomic(files.json, JSON.stringify({
    tool: 'velo-calib', created: new Date().toISOString(), root: absRoot, columns: CAMPAIGN_COLUMNS, scans: rows, skipped,
  }, null, 1) + '\n');
  return { rows, skipped, files };
}
