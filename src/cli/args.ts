// Declarative command-line options: every command lists its options once (name, type, limits, help), and
// parsing, validation and the help text all come from that table. Adding an option is one table entry.

/** A wrong command line: exit code 2, with the command's help. */
export class UsageError extends Error {
  constructor(message: string, readonly command?: CommandSpec) { super(message); this.name = 'UsageError'; }
}

export interface OptionSpec {
  /** Long name without `--`. */
  name: string;
  /** One-letter alias without `-`. */
  short?: string;
  kind: 'flag' | 'string' | 'number' | 'integer' | 'choice';
  /** Placeholder of the value in the help (DIR, HZ, N…). */
  value?: string;
  choices?: readonly string[];
  /** Inclusive limits of number and integer options. */
  min?: number;
  max?: number;
  /** May be given several times (values collected in order, see ParsedArgs.all); otherwise the last one counts. */
  repeatable?: boolean;
  /** For string options: the form the value must have, and how to say it. */
  pattern?: RegExp;
  expected?: string;
  help: string;
}

export interface CommandSpec {
  name: string;
  aliases?: string[];
  /** Positional arguments as shown in the synopsis, e.g. `<folder>` or `[dir]`. */
  args: string;
  positionals: { min: number; max: number };
  summary: string;
  options: OptionSpec[];
}

export type OptionValue = string | number | boolean | Array<string | number>;

export class ParsedArgs {
  constructor(readonly command: CommandSpec, readonly positional: string[], private readonly values: Map<string, OptionValue>) {}

  has(name: string): boolean { return this.values.has(name); }
  flag(name: string): boolean { return this.values.get(name) === true; }
  string(name: string): string | undefined {
    const v = this.values.get(name);
    return typeof v === 'string' ? v : undefined;
  }
  number(name: string): number | undefined {
    const v = this.values.get(name);
    return typeof v === 'number' ? v : undefined;
  }
  /** Every value of a repeatable option, in the order given. */
  all(name: string): Array<string | number> {
    const v = this.values.get(name);
    return Array.isArray(v) ? v : [];
  }
}

const HELP: OptionSpec = { name: 'help', short: 'h', kind: 'flag', help: 'this help' };

function describeLimits(o: OptionSpec): string {
  if (o.min !== undefined && o.max !== undefined) return `${o.min}…${o.max}`;
  if (o.min !== undefined) return `≥ ${o.min}`;
  return o.max !== undefined ? `≤ ${o.max}` : '';
}

function parseValue(o: OptionSpec, text: string, spec: CommandSpec): string | number {
  const bad = (expected: string) => new UsageError(`--${o.name} "${text}": expected ${expected}`, spec);
  switch (o.kind) {
    case 'choice':
      if (!o.choices!.includes(text)) throw bad(`one of ${o.choices!.join(', ')}`);
      return text;
    case 'number': case 'integer': {
      const x = text.trim() === '' ? NaN : Number(text);
      const what = o.kind === 'integer' ? 'an integer' : 'a number';
      if (!Number.isFinite(x) || (o.kind === 'integer' && !Number.isInteger(x))) throw bad(what);
      if ((o.min !== undefined && x < o.min) || (o.max !== undefined && x > o.max)) throw bad(`${what} ${describeLimits(o)}`);
      return x;
    }
    case 'string':
      if (o.pattern && !o.pattern.test(text)) throw bad(o.expected ?? String(o.pattern));
      return text;
    default:
      throw new UsageError(`--${o.name} takes no value`, spec);
  }
}

/** Parses the arguments after the command name. `--help` anywhere returns with the flag `help` set. */
export function parseCommandArgs(spec: CommandSpec, argv: string[]): ParsedArgs {
  const options = [HELP, ...spec.options];
  const byName = new Map(options.map(o => [o.name, o]));
  const byShort = new Map(options.filter(o => o.short).map(o => [o.short!, o]));
  const positional: string[] = [], values = new Map<string, OptionValue>();
  let onlyPositional = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (onlyPositional || a === '-' || !a.startsWith('-')) { positional.push(a); continue; }
    if (a === '--') { onlyPositional = true; continue; }
    let o: OptionSpec | undefined, inline: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      o = byName.get(eq < 0 ? a.slice(2) : a.slice(2, eq));
      inline = eq < 0 ? undefined : a.slice(eq + 1);
    } else {
      o = a.length === 2 ? byShort.get(a[1]) : undefined;
    }
    if (!o) throw new UsageError(`unknown option ${a.split('=')[0]} for "${spec.name}"`, spec);
    if (o.kind === 'flag') {
      if (inline !== undefined) throw new UsageError(`--${o.name} takes no value`, spec);
      values.set(o.name, true);
      continue;
    }
    // the next word is the value unless it is another long option (`--out --json` is a missing value)
    const text = inline ?? (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--') ? argv[++i] : undefined);
    if (text === undefined || text === '') throw new UsageError(`--${o.name} needs a value${o.value ? ` (${o.value})` : ''}`, spec);
    const value = parseValue(o, text, spec) as string | number;
    const before = values.get(o.name);
    values.set(o.name, o.repeatable ? [...(Array.isArray(before) ? before : []), value] : value);
  }
  if (values.has('help')) return new ParsedArgs(spec, positional, values);
  if (positional.length < spec.positionals.min) throw new UsageError(`${spec.name} needs ${spec.args}`, spec);
  if (positional.length > spec.positionals.max) {
    throw new UsageError(`unexpected argument "${positional[spec.positionals.max]}" (${spec.name} takes ${spec.args || 'no arguments'})`, spec);
  }
  return new ParsedArgs(spec, positional, values);
}

function optionSynopsis(o: OptionSpec): string {
  const value = o.kind === 'flag' ? '' : ` ${o.kind === 'choice' ? o.choices!.join('|') : o.value ?? 'VALUE'}`;
  return `--${o.name}${value}`;
}

export function commandHelp(program: string, spec: CommandSpec): string {
  const lines = [`${program} ${spec.name} ${spec.args} [options]`.replace(/\s+/g, ' '), '', spec.summary, '', 'Options:'];
  const rows = [HELP, ...spec.options].map(o => [`${o.short ? `-${o.short}, ` : '    '}${optionSynopsis(o)}`,
    o.help + (describeLimits(o) ? ` [${describeLimits(o)}]` : '')]);
  const width = Math.min(Math.max(...rows.map(r => r[0].length)) + 2, 34);
  for (const [left, right] of rows) lines.push(`  ${left.length + 2 > width ? `${left}\n  ${''.padEnd(width)}` : left.padEnd(width)}${right}`);
  return lines.join('\n');
}

/** The short reminder printed under a usage error (the full help is one `--help` away). */
export function usageHint(program: string, spec: CommandSpec): string {
  return `usage: ${program} ${spec.name} ${spec.args} [options]  (${program} ${spec.name} --help lists the options)`.replace(/ {2,}\[/, ' [');
}

export function programHelp(program: string, title: string, commands: CommandSpec[], footer: string): string {
  const width = Math.max(...commands.map(c => `${c.name} ${c.args}`.length)) + 2;
  return [title, '', 'Usage:', ...commands.map(c => `  ${program} ${`${c.name} ${c.args}`.padEnd(width)}${c.summary}`), '',
    `\`${program} <command> --help\` lists the options of a command.`, footer].join('\n');
}
