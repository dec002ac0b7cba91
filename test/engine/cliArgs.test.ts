// The declarative option table of the CLI (src/cli/args.ts): types, limits, aliases, repeats, help.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { commandHelp, CommandSpec, parseCommandArgs, UsageError } from '../../src/cli/args';

const SPEC: CommandSpec = {
  name: 'try', args: '<folder>', positionals: { min: 1, max: 1 }, summary: 'a test command',
  options: [
    { name: 'out', short: 'o', kind: 'string', value: 'DIR', help: 'output' },
    { name: 'polarity', kind: 'choice', choices: ['1', '-1'], help: 'edge' },
    { name: 'level', kind: 'number', min: -5, max: 5, help: 'a level' },
    { name: 'exclude', kind: 'string', repeatable: true, pattern: /^\d+:\d+$/, expected: 'THR:ACQ', help: 'skip one acquisition' },
    { name: 'fast', kind: 'flag', help: 'go' },
  ],
};

test('values, aliases, negative values, repeats, last-wins and `--`', () => {
  const a = parseCommandArgs(SPEC, ['-o', 'x', 'data', '--polarity', '-1', '--level=-2.5', '--exclude', '1440:3', '--exclude=1460:0', '--out', 'y', '--fast']);
  assert.deepEqual(a.positional, ['data']);
  assert.equal(a.string('out'), 'y', 'the last --out counts');
  assert.equal(a.string('polarity'), '-1');
  assert.equal(a.number('level'), -2.5);
  assert.deepEqual(a.all('exclude'), ['1440:3', '1460:0']);
  assert.equal(a.flag('fast'), true);
  assert.deepEqual(parseCommandArgs(SPEC, ['--', '--fast']).positional, ['--fast']);
});

test('wrong command lines are UsageErrors naming the option and what was expected', () => {
  const wrong: Array<[string[], RegExp]> = [
    [['d', '--level', '6'], /--level "6": expected a number -5…5/],
    [['d', '--exclude', '1440'], /--exclude "1440": expected THR:ACQ/],
    [['d', '--polarity', '2'], /expected one of 1, -1/],
    [['d', '--fast=1'], /--fast takes no value/],
    [['d', '--level'], /--level needs a value/],
    [['d', '-q'], /unknown option -q for "try"/],
    [['d', 'e'], /unexpected argument "e"/],
    [[], /try needs <folder>/],
  ];
  for (const [argv, message] of wrong) assert.throws(() => parseCommandArgs(SPEC, argv), (e: unknown) => e instanceof UsageError && message.test(e.message), argv.join(' '));
  assert.equal(parseCommandArgs(SPEC, ['--help']).flag('help'), true, 'help needs no positional');
  assert.match(commandHelp('velo-calib', SPEC), /--level VALUE +a level/);
  assert.match(commandHelp('velo-calib', SPEC), /a level \[-5…5\]/);
});
