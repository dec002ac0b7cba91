// The engine's compiled WebAssembly kernels (built by scripts/build.mjs from src/engine/wasm/*.ts into dist/), found
// next to the bundle that loads them, or in the repository's dist/ for the compiled tests (out/src/engine/…).
import * as fs from 'fs';
import * as path from 'path';

const compiled = new Map<string, WebAssembly.Module | null>();

/** The path of dist/<file>, or undefined when it was not built. */
function wasmPath(file: string): string | undefined {
  const candidates = [path.join(__dirname, file), path.resolve(__dirname, '../../../dist', file), path.resolve(__dirname, '../../../../dist', file)];
  return candidates.find(f => fs.existsSync(f));
}

/** The compiled module of dist/<file> (compiled once per thread), or null when the file is missing. */
function wasmModule(file: string): WebAssembly.Module | null {
  let module = compiled.get(file);
  if (module === undefined) {
    const found = wasmPath(file);
    module = found ? new WebAssembly.Module(fs.readFileSync(found)) : null;
    compiled.set(file, module);
  }
  return module;
}

/** A new instance of dist/<file> (its own memory), its exports typed as T; undefined when the file is missing. */
export function wasmExports<T>(file: string): T | undefined {
  const module = wasmModule(file);
  return module ? new WebAssembly.Instance(module, {}).exports as unknown as T : undefined;
}
