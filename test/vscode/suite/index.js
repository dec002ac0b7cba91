// Extension-host test entry with the run() shape of an @vscode/test-electron suite: the same file runs under
// code-server here (test/vscode/run.mjs exthost) and under desktop VS Code (npm run test:desktop).
const path = require('path');
const Mocha = require('mocha');

exports.run = function run() {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60000, color: false, reporter: 'spec' });
  mocha.addFile(path.resolve(__dirname, 'extension.test.js'));
  return new Promise((resolve, reject) => {
    mocha.run(failures => (failures ? reject(new Error(`${failures} tests failed.`)) : resolve()));
  });
};
