// Atomic output files: data goes to a temporary file in the same folder, then one rename makes it visible,
// so a crash or a cancel never leaves half a result under the real name.
import * as fs from 'fs';
import * as path from 'path';

let counter = 0;

export function temporaryName(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${counter++}`);
}

export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  const tmp = temporaryName(target);
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Collects a set of output files in a staging folder and publishes them together: every file is complete
 * before any is renamed into place, and `last` (summary.json) is renamed last so it marks a finished result.
 */
export class StagedOutput {
  private readonly staging: string;
  private readonly names: string[] = [];

  constructor(readonly folder: string) {
    fs.mkdirSync(folder, { recursive: true });
    this.staging = fs.mkdtempSync(path.join(folder, '.staging-'));
  }

  write(name: string, data: string | Uint8Array): void {
    fs.writeFileSync(path.join(this.staging, name), data);
    this.names.push(name);
  }

  commit(last?: string): string[] {
    const ordered = this.names.filter(n => n !== last);
    if (last && this.names.includes(last)) ordered.push(last);
    for (const name of ordered) fs.renameSync(path.join(this.staging, name), path.join(this.folder, name));
    fs.rmSync(this.staging, { recursive: true, force: true });
    return ordered.map(n => path.join(this.folder, n));
  }

  discard(): void {
    fs.rmSync(this.staging, { recursive: true, force: true });
  }
}

/** Removes staging folders left by a killed run (never touches anything else). */
export function removeStaleStaging(folder: string): void {
  if (!fs.existsSync(folder)) return;
  for (const entry of fs.readdirSync(folder)) {
    if (entry.startsWith('.staging-')) fs.rmSync(path.join(folder, entry), { recursive: true, force: true });
  }
}
