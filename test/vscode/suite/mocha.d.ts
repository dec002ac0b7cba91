// The few mocha globals and the runner API the extension-host suite uses (mocha ships no types; no @types/mocha here).
declare function describe(name: string, fn: (this: { timeout(ms: number): void }) => void): void;
declare function it(name: string, fn: (this: { timeout(ms: number): void }) => unknown): void;
declare function before(fn: () => unknown): void;
declare function after(fn: () => unknown): void;
declare module 'mocha' {
  export default class Mocha {
    constructor(options: { ui: string; timeout: number; color: boolean; reporter: string });
    addFile(file: string): void;
    run(done: (failures: number) => void): void;
  }
}
