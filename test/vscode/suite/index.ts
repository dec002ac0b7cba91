// Extension-host test entry with the run() shape of an @vscode/test-electron suite: the same compiled file
// (out/test/vscode/suite) runs under code-server here (test/vscode/run.mjs exthost) and under desktop VS Code
// (npm run test:desktop).
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60000, color: false, reporter: 'spec' });
  // Every *.test.js beside this file: one file per area (analysis, gain, campaign, live…).
  for (const f of fs.readdirSync(__dirname).filter(n => n.endsWith('.test.js')).sort()) mocha.addFile(path.resolve(__dirname, f));
  return new Promise((resolve, reject) => {
    mocha.run(failures => (failures ? reject(new Error(`${failures} tests failed.`)) : resolve()));
  });
}
