// The campaign table as people see it (Campaign panel): which campaign.csv/json columns are per-scan quantities,
// their labels, units and error columns, and how the module's twelve ASICs are drawn. No Node or vscode import.

export const CAMPAIGN_JSON = 'campaign.json';
export const CAMPAIGN_CSV = 'campaign.csv';

/** A row of campaign.json (`collect`): column → value (null where the scan has none, e.g. no gain without baseline). */
export type CampaignTableRow = Record<string, string | number | null>;

export interface CampaignQuantity { column: string; label: string; unit: string; errorColumn?: string }

/** The numeric columns a module tile can be coloured by (and the table shows with their errors). */
export const CAMPAIGN_QUANTITIES: CampaignQuantity[] = [
  { column: 'asic_mu', label: 'ASIC μ', unit: 'DAC', errorColumn: 'asic_mu_err' },
  { column: 'asic_sigma', label: 'ASIC σ', unit: 'DAC', errorColumn: 'asic_sigma_err' },
  { column: 'pixel_mu_median', label: 'pixel μ median', unit: 'DAC' },
  { column: 'pixel_mu_spread', label: 'pixel μ spread (robust rms)', unit: 'DAC' },
  { column: 'pixel_sigma_median', label: 'pixel σ median', unit: 'DAC' },
  { column: 'gain_median', label: 'gain median', unit: 'e⁻/DAC' },
  { column: 'gain_spread', label: 'gain spread', unit: 'e⁻/DAC' },
  { column: 'pixels_ok', label: 'ok pixels', unit: 'pixels' },
  { column: 'acquisitions_good', label: 'good acquisitions', unit: 'acquisitions' },
  { column: 'acquisitions_bad', label: 'bad acquisitions', unit: 'acquisitions' },
  { column: 'shutter_s', label: 'shutter', unit: 's' },
  { column: 'thresholds', label: 'thresholds', unit: 'thresholds' },
  { column: 'temperature_c', label: 'temperature', unit: '°C' },
  { column: 'fluence_neq_cm2', label: 'fluence', unit: 'neq/cm²' },
];

/** Columns of the table, in order (the error columns are shown with their value, not apart). */
export const CAMPAIGN_TABLE_COLUMNS = ['scan', 'module', 'asic', 'label', ...CAMPAIGN_QUANTITIES.map(q => q.column), 'model', 'polarity', 'folder'];

/**
 * The module drawn schematically, one sensor tile per row: VP0 at the top to VP3 at the bottom, each tile's three
 * ASICs left to right VPx-0, VPx-1, VPx-2; a gap separates VP0/VP1 (one side of the module) from VP2/VP3 (the other).
 */
export const MODULE_TILES: string[][] = [0, 1, 2, 3].map(t => [0, 1, 2].map(a => `VP${t}-${a}`));
