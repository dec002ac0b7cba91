// Campaign panel: every analysed scan of a campaign (campaign.json) as a sortable table, and the module's twelve
// ASICs as tiles coloured by a per-scan quantity (module and condition chosen when the campaign has several);
// a tile or a row opens that scan's pixel map. Names from the files reach the page only as textContent.
import { CAMPAIGN_QUANTITIES, CAMPAIGN_TABLE_COLUMNS, CampaignTableRow, MODULE_TILES } from '../src/contract/campaign';
import { formatNumber, formatWithError } from '../src/contract/format';
import type { CampaignApi, CampaignData, CampaignPush, CampaignState } from '../src/protocol';
import { colormapTable } from './colormaps';
import { $, connect, setText, showError } from './vscodeApi';

const VIRIDIS = colormapTable('viridis');
const quantityOf = (column: string) => CAMPAIGN_QUANTITIES.find(q => q.column === column);
const HEADINGS: Record<string, string> = { scan: 'scan', module: 'module', asic: 'ASIC', label: 'condition', model: 'model', polarity: 'polarity', folder: 'result folder' };

let data: CampaignData | undefined;
const channel = connect<CampaignApi, CampaignPush, CampaignState>(p => { if (p.type === 'data') show(p.data); });

const text = (v: CampaignTableRow[string]) => (v === null || v === undefined ? '' : String(v));
const num = (v: CampaignTableRow[string]) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** A cell as shown: numbers through the contract's formatter (with their error where the table has one). */
function cellText(row: CampaignTableRow, column: string): string {
  const q = quantityOf(column);
  if (!q) return text(row[column]);
  const v = num(row[column]);
  return v === null ? '' : formatWithError(v, q.errorColumn ? num(row[q.errorColumn]) : null);
}

/** Rows in the order of the state's sort: numbers numerically, text naturally; empty cells last either way. */
function sortedRows(rows: CampaignTableRow[]): CampaignTableRow[] {
  const [column, dir] = channel.state.sort ?? ['', 'asc'];
  if (!column) return rows;
  const sign = dir === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = a[column], y = b[column];
    const ex = x === null || x === '' || x === undefined, ey = y === null || y === '' || y === undefined;
    if (ex || ey) return ex === ey ? 0 : ex ? 1 : -1;
    return sign * (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), undefined, { numeric: true }));
  });
}

function drawTable(rows: CampaignTableRow[]): void {
  const table = $<HTMLTableElement>('scans');
  const [sortColumn, sortDir] = channel.state.sort ?? ['', 'asc'];
  table.dataset.sort = sortColumn ? `${sortColumn}:${sortDir}` : '';
  const head = document.createElement('tr');
  for (const c of CAMPAIGN_TABLE_COLUMNS) {
    const th = document.createElement('th'), q = quantityOf(c);
    th.dataset.column = c;
    th.tabIndex = 0;
    th.title = 'Click to sort';
    setText(th, `${q ? q.label : HEADINGS[c] ?? c}${q ? ` (${q.unit})` : ''}${c === sortColumn ? (sortDir === 'asc' ? ' ▲' : ' ▼') : ''}`);
    if (c === sortColumn) th.setAttribute('aria-sort', sortDir === 'asc' ? 'ascending' : 'descending');
    const sortBy = () => {
      channel.saveState({ sort: [c, c === sortColumn && sortDir === 'asc' ? 'desc' : 'asc'] });
      drawTable(rows);
    };
    th.onclick = sortBy;
    th.onkeydown = e => { if (e.key === 'Enter' || e.key === ' ') sortBy(); };
    head.append(th);
  }
  table.tHead!.replaceChildren(head);
  table.tBodies[0].replaceChildren(...sortedRows(rows).map(row => {
    const tr = document.createElement('tr');
    tr.dataset.scan = text(row.scan);
    tr.title = 'Double-click: open the pixel map';
    tr.ondblclick = () => void openScan(row);
    for (const c of CAMPAIGN_TABLE_COLUMNS) {
      const td = document.createElement('td');
      td.dataset.column = c;
      if (quantityOf(c)) td.className = 'number';
      setText(td, cellText(row, c));
      tr.append(td);
    }
    return tr;
  }));
}

function fillSelect(select: HTMLSelectElement, values: Array<[string, string]>, chosen: string | undefined): string {
  select.replaceChildren(...values.map(([value, label]) => { const o = document.createElement('option'); o.value = value; setText(o, label); return o; }));
  select.value = values.some(([v]) => v === chosen) ? chosen! : values[0]?.[0] ?? '';
  return select.value;
}

const distinct = (rows: CampaignTableRow[], column: string) => [...new Set(rows.map(r => text(r[column])))].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));

function rgb(t: number): string {
  const i = Math.max(0, Math.min(255, Math.round(t * 255))) * 3;
  return `rgb(${VIRIDIS[i]}, ${VIRIDIS[i + 1]}, ${VIRIDIS[i + 2]})`;
}

/** The twelve tiles of the chosen module and condition, coloured by the chosen quantity over its range. */
function drawModule(rows: CampaignTableRow[]): void {
  const modules = distinct(rows, 'module');
  const module = fillSelect($<HTMLSelectElement>('module'), modules.map(m => [m, m || '(no module)']), channel.state.module);
  $('moduleLabel').hidden = modules.length < 2;
  const ofModule = rows.filter(r => text(r.module) === module);
  const conditions = distinct(ofModule, 'label');
  const condition = fillSelect($<HTMLSelectElement>('condition'), conditions.map(c => [c, c || '(none)']), channel.state.condition);
  $('conditionLabel').hidden = conditions.length < 2;
  const shown = ofModule.filter(r => text(r.label) === condition);
  const quantity = fillSelect($<HTMLSelectElement>('quantity'), CAMPAIGN_QUANTITIES.map(q => [q.column, `${q.label} (${q.unit})`]), channel.state.quantity ?? 'asic_mu');
  const q = quantityOf(quantity)!;
  const byAsic = new Map<string, CampaignTableRow[]>();
  for (const r of shown) byAsic.set(text(r.asic), [...(byAsic.get(text(r.asic)) ?? []), r]);
  const values = shown.map(r => num(r[quantity])).filter((v): v is number => v !== null);
  const lo = values.length ? Math.min(...values) : 0, hi = values.length ? Math.max(...values) : 1;
  const layout = $('moduleLayout');
  layout.replaceChildren(...MODULE_TILES.map((asics, t) => {
    const sensor = document.createElement('div');
    sensor.className = `sensor${t === 2 ? ' otherSide' : ''}`;
    const name = document.createElement('span');
    name.className = 'sensorName';
    setText(name, `VP${t}`);
    sensor.append(name, ...asics.map(asic => {
      const tile = document.createElement('button'), found = byAsic.get(asic) ?? [], row = found[0];
      tile.className = 'tile';
      tile.dataset.asic = asic;
      const label = document.createElement('span'), value = document.createElement('span');
      setText(label, asic);
      value.className = 'tileValue';
      if (!row) {
        tile.classList.add('empty');
        tile.disabled = true;
        tile.title = `${asic}: no analysed scan`;
        setText(value, 'no scan');
      } else {
        const v = num(row[quantity]);
        tile.dataset.scan = text(row.scan);
        if (v === null) tile.classList.add('noValue');
        else {
          const t = hi > lo ? (v - lo) / (hi - lo) : 0.5;
          tile.style.background = rgb(t);
          tile.style.color = t > 0.6 ? '#000' : '#fff';
        }
        setText(value, cellText(row, quantity) || 'n/a');
        tile.title = `${text(row.scan)}\n${q.label}: ${cellText(row, quantity) || 'n/a'} ${q.unit}${found.length > 1 ? `\n(${found.length} scans of this ASIC and condition: the first is shown)` : ''}\nclick: open its pixel map`;
        tile.onclick = () => void openScan(row);
      }
      tile.append(label, value);
      return tile;
    }));
    return sensor;
  }));
  layout.dataset.quantity = quantity;
  drawColourBar(lo, hi, q.unit, values.length > 0);
  setText($('tileInfo'), `${shown.length} of 12 ASICs analysed${condition ? ` · condition ${condition}` : ''}`);
}

function drawColourBar(lo: number, hi: number, unit: string, any: boolean): void {
  const canvas = $<HTMLCanvasElement>('tileBarCanvas'), g = canvas.getContext('2d')!;
  for (let x = 0; x < canvas.width; x++) { g.fillStyle = rgb(x / (canvas.width - 1)); g.fillRect(x, 0, 1, canvas.height); }
  const ticks = $('tileBarTicks');
  const span = (s: string, cls: string) => { const e = document.createElement('span'); e.className = cls; setText(e, s); return e; };
  ticks.replaceChildren(...(any ? [span(formatNumber(lo), 'lo'), span(unit, 'unit'), span(formatNumber(hi), 'hi')] : [span('no values', 'unit')]));
}

async function openScan(row: CampaignTableRow): Promise<void> {
  await channel.request('openScan', { folder: text(row.folder) });
}

function show(d: CampaignData): void {
  data = d;
  setText($('title'), `${d.rows.length} analysed scans under ${d.root}${d.created ? ` · collected ${d.created.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}` : ''}`);
  drawModule(d.rows);
  drawTable(d.rows);
  $('skipped').replaceChildren(...d.skipped.map(s => { const li = document.createElement('li'); setText(li, `skipped ${s.folder}: ${s.reason}`); return li; }));
  document.body.dataset.ready = 'true';
  document.body.dataset.rows = String(d.rows.length);
}

for (const [id, key] of [['module', 'module'], ['condition', 'condition'], ['quantity', 'quantity']] as const) {
  $<HTMLSelectElement>(id).addEventListener('change', e => {
    channel.saveState({ [key]: (e.target as HTMLSelectElement).value });
    if (data) drawModule(data.rows);
  });
}
$('refresh').addEventListener('click', () => {
  document.body.dataset.ready = 'false';
  channel.request('refresh', null).then(show, e => { document.body.dataset.ready = 'true'; showError((e as Error).message); });
});

void channel.request('ready', channel.state).then(show);
