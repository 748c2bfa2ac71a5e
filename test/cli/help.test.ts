/**
 * Issue 11 item 4: help that helps. Every option of every command has a line and a default; typos
 * get a "did you mean"; numbers and rates go through one validator whose messages say what to type.
 */
import { describe, expect, test } from '@jest/globals';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from '../../src/cli/command.js';
import { commandHelp } from '../../src/cli/main.js';
import { optionHelp } from '../../src/cli/option-help.js';
import { closest } from '../../src/cli/suggest.js';
import { cli } from './run-cli.js';

const commandsDir = join(process.cwd(), 'src/cli/commands');
const names = readdirSync(commandsDir)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''));

async function load(name: string): Promise<Command> {
  return ((await import(`../../src/cli/commands/${name}.js`)) as { command: Command }).command;
}

describe('--help', () => {
  test.each(names)('%s: every option has a one-line description and a default', async (name) => {
    const cmd = await load(name);
    for (const opt of Object.keys(cmd.options)) {
      const h = optionHelp(cmd.name, opt);
      expect({ opt, text: h?.text }).toEqual({ opt, text: expect.stringMatching(/\S/) });
      expect({ opt, default: h?.default }).toEqual({ opt, default: expect.stringMatching(/\S/) });
    }
    const text = commandHelp(cmd);
    const rows = text.split('\n\noptions:\n')[1]!.split('\n');
    expect(rows).toHaveLength(Object.keys(cmd.options).length);
    for (const line of rows) expect(line).toMatch(/^ {2}(-\w, | {4})--[a-z-]+( <value>)? +\S.*; default: \S/);
  });

  test('run --help lists the fault names and the baud rates', async () => {
    const r = await cli(['run', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/--sim-fault <value>\s+simulated rigs only, repeatable: a firmware fault, one of relay-stuck, button-unwired, .*boot-loop/);
    expect(r.out).toMatch(/--baud <value>\s+line speed after the link, one of 115200, .*3000000; default: 921600/);
  });
});

describe('typos', () => {
  test('closest', () => {
    expect(closest('bad', ['baud', 'diff'])).toBe('baud');
    expect(closest('dif', ['baud', 'diff'])).toBe('diff');
    expect(closest('zzzzzz', ['baud', 'diff'])).toBeUndefined();
  });

  test('an unknown option gets a did-you-mean and the help pointer, exit 2', async () => {
    const r = await cli(['flash', 'x.bin', '--buad', '2M']);
    expect(r.code).toBe(2);
    expect(r.err).toBe("E_USAGE: flash: unknown option --buad — did you mean --baud? see 'plugrig flash --help'\n");
  });

  test('an unknown command gets a did-you-mean', async () => {
    const r = await cli(['flsh']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^E_USAGE: unknown command 'flsh' — did you mean 'flash'\?/);
  });

  test('a missing value names the option and what it takes; no node parser text', async () => {
    const r = await cli(['run', '--baud']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^E_USAGE: run: --baud needs a value — --baud: line speed after the link/);
    expect(r.err).not.toMatch(/parseArgs|To specify|ERR_PARSE/);
    const b = await cli(['records', '--json=yes']);
    expect(b.err).toMatch(/^E_USAGE: records: --json takes no value/);
  });
});

describe('numbers', () => {
  test('--baud accepts only the ROM rates and lists them', async () => {
    const r = await cli(['info', '--baud', '1000000']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^E_USAGE: --baud 1000000 is not a rate .* — use one of 115200, 230400, 460800, 921600, 1500000, 2000000, 3000000/);
  });

  test('a word where a number goes says which forms are numbers', async () => {
    const r = await cli(['records', '--limit', 'ten']);
    expect(r.code).toBe(2);
    expect(r.err).toBe('E_USAGE: --limit ten is not a number — use decimal, 0x-hex, or a k/M suffix (e.g. 2M)\n');
    // A value that starts with a dash reaches the validator, not node's "ambiguous" text.
    const neg = await cli(['backup', 'x/', '--offset', '-4096']);
    expect(neg.code).toBe(2);
    expect(neg.err).toMatch(/^E_USAGE: --offset -4096 is not a number — /);
    const w = await cli(['info', '--port', '/dev/null', '--wait', '0']);
    expect(w.code).toBe(2);
    expect(w.err).toMatch(/^E_USAGE: --wait 0 is out of range — allowed 1\.\.3600/);
  });

  test('--wait without --port is refused with the reason', async () => {
    const r = await cli(['info', '--wait', '5']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^E_USAGE: --wait is for --port — a rig resets the chip itself/);
  });
});
