// Every scan under a root folder, walked folder by folder (discoverScans reads one folder), in a stable order:
// the task list of a batch.
import * as fs from 'fs';
import * as path from 'path';
import { discoverScans } from '../scanFiles';
import { ManifestEntry } from './batchLayout';

export interface BatchDiscovery {
  entries: ManifestEntry[];
  /** Folders that could not be read (named with the reason); the others are still listed. */
  unreadable: string[];
}

/**
 * Scans under `root` (the root itself included), each with its output folder `<results>/<folder relative to
 * root>/<scan id>`. Hidden folders and `skip` (the batch's own output folder) are not entered; symbolic links to
 * folders are followed once (a link cycle is entered only once).
 */
export function discoverBatchScans(root: string, results: string, skip: string[] = []): BatchDiscovery {
  root = path.resolve(root);
  const skipReal = new Set(skip.map(s => safeRealpath(path.resolve(s))).filter((s): s is string => !!s));
  const visited = new Set<string>();
  const entries: ManifestEntry[] = [], unreadable: string[] = [];
  const walk = (folder: string) => {
    const real = safeRealpath(folder);
    if (!real || visited.has(real) || skipReal.has(real)) return;
    visited.add(real);
    let children: fs.Dirent[];
    try {
      children = fs.readdirSync(folder, { withFileTypes: true });
      for (const scan of discoverScans(folder).scans) {
        entries.push({ folder, scan: scan.id, out: path.join(results, path.relative(root, folder), scan.id) });
      }
    } catch (e) {
      unreadable.push(`${folder}: ${(e as Error).message}`);
      return;
    }
    const subfolders = children
      .filter(c => !c.name.startsWith('.') && (c.isDirectory() || (c.isSymbolicLink() && isDirectory(path.join(folder, c.name)))))
      .map(c => c.name).sort();
    for (const name of subfolders) walk(path.join(folder, name));
  };
  walk(root);
  return { entries, unreadable };
}

function safeRealpath(p: string): string | undefined {
  try { return fs.realpathSync(p); } catch { return undefined; }
}

function isDirectory(p: string): boolean {
  try { return fs.statSync(p).isDirectory(); } catch { return false; }
}
