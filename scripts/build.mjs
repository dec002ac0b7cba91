// One esbuild script for every bundle: CLI/child process, engine workers, extension host, webviews.
import * as esbuild from 'esbuild';
import fs from 'fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const exists = f => fs.existsSync(f);
const common = { bundle: true, metafile: true, sourcemap: !production, minify: production, logLevel: 'warning', target: 'node20' };

const builds = [
  { ...common, platform: 'node', format: 'cjs', outdir: 'dist',
    // flat names: the engine finds its worker scripts next to itself (workerPool.workerScript)
    entryPoints: Object.fromEntries(Object.entries({
      cli: 'src/cli.ts', fluxWorker: 'src/engine/fluxWorker.ts', fitWorker: 'src/engine/fitWorker.ts', resultsH5Worker: 'src/engine/resultsH5Worker.ts', bench: 'src/bench.ts',
      livePublishWorker: 'src/engine/live/livePublishWorker.ts', fitTablesWorker: 'src/engine/fitTablesWorker.ts',
    }).filter(([, f]) => exists(f))) },
];
if (exists('src/extension/extension.ts')) {
  builds.push({ ...common, platform: 'node', format: 'cjs', outfile: 'dist/extension.js',
    entryPoints: ['src/extension/extension.ts'], external: ['vscode'] });
}
const webviewEntries = ['webview/pixelMap.ts', 'webview/fitDiagnostics.ts', 'webview/asicOverview.ts', 'webview/compare.ts', 'webview/campaign.ts'].filter(exists);
if (webviewEntries.length) {
  builds.push({ ...common, platform: 'browser', format: 'iife', target: 'es2022', outdir: 'dist/webview', entryPoints: webviewEntries });
}

// The WebAssembly kernels (AssemblyScript), next to the engine bundles that load them.
async function buildKernel(name, initialPages, features = []) {
  const { main } = await import('assemblyscript/asc');
  fs.mkdirSync('dist', { recursive: true });
  const { error, stderr } = await main([`src/engine/wasm/${name}.ts`, '-O3', '--runtime', 'stub', '--noAssert', '--use', 'abort=',
    ...features.flatMap(f => ['--enable', f]), '--initialMemory', String(initialPages), '-o', `dist/${name}.wasm`]);
  if (error) throw new Error(`asc: ${error.message}\n${stderr.toString()}`);
}
await buildKernel('parseKernel', 64, ['simd']);
// The pixel fits' per-point loops (AssemblyScript), loaded by src/engine/fit/wasmFitKernel.ts.
await buildKernel('fitKernel', 1, ['simd']);
// Pixel flux CSV layout (AssemblyScript), loaded by src/engine/fluxCsvKernel.ts.
await buildKernel('csvKernel', 1);

/** Engine code the extension host must never carry: it only forks the engine (fitting, flux, statistics). */
const ENGINE_ONLY = /^(src\/engine\/(?!scanFiles\.ts|input\/auxiliaryFiles\.ts|campaign\/resultFolders\.ts)|node_modules\/@stdlib\/)/;

function report(results) {
  const outputs = Object.assign({}, ...results.map(r => r.metafile.outputs));
  const rows = Object.entries(outputs).filter(([f]) => f.endsWith('.js')).sort(([a], [b]) => a.localeCompare(b));
  console.log(rows.map(([f, o]) => `${f.padEnd(32)} ${(o.bytes / 1024).toFixed(0).padStart(5)} KB`).join('\n'));
  const ext = outputs['dist/extension.js'];
  const engineInputs = ext ? Object.keys(ext.inputs).filter(f => ENGINE_ONLY.test(f)) : [];
  if (engineInputs.length) throw new Error(`dist/extension.js carries engine code: ${engineInputs.join(', ')}`);
}

// h5wasm (results.h5) is an ES module with top-level await that cannot be bundled into CommonJS: ship its
// Node build beside the engine, which imports it at run time (src/engine/report/resultsH5.ts).
function copyH5wasm() {
  fs.mkdirSync('dist/h5wasm', { recursive: true });
  for (const f of ['hdf5_hl.js', 'hdf5_util.js']) fs.copyFileSync(`node_modules/h5wasm/dist/node/${f}`, `dist/h5wasm/${f}`);
  fs.writeFileSync('dist/h5wasm/package.json', '{ "type": "module" }\n');
}
copyH5wasm();

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  report(await Promise.all(builds.map(b => esbuild.build(b))));
}
