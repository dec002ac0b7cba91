// The part of the WebAssembly JS API the engine uses (Node provides it; @types/node 20 does not declare it).
declare namespace WebAssembly {
  class Module { constructor(bytes: Uint8Array) }
  class Memory { readonly buffer: ArrayBuffer; grow(pages: number): number }
  class Instance { constructor(module: Module, imports: object); readonly exports: Record<string, unknown> }
}
