/**
 * `plugrig rig check <file> [--exercise] [--json]`: validates a rig file, prints every line as it
 * resolves on this host (BCM, header pin, sysfs number, chip, direction) and, only with
 * --exercise, opens the rig and toggles each output and reads each input once.
 */
import { resolve } from 'node:path';
import { PlugrigError } from '../../core/errors.js';
import { flag } from '../args.js';
import { type Column, textTable } from '../table.js';
import type { Command, CommandIo } from '../command.js';
import { loadRigFile } from '../../rig/config.js';
import type { RigConfig } from '../../rig/config-types.js';
import { describeRig, type LineRow } from '../../rig/describe.js';
import { openRig } from '../../rig/open.js';
import { loadDeviceTemplate } from '../../device/cli-support.js';
import { sysClassRoot } from '../../io/sysfs-access.js';

interface ExerciseResult {
  line: string;
  did: string;
  ok: boolean;
}

function table(rows: LineRow[]): string[] {
  const cols: Column<LineRow>[] = [
    ['line', (r) => r.name],
    ['pad', (r) => r.pad ?? '-'],
    ['kind', (r) => r.kind],
    ['bcm', (r) => (r.bcm === undefined ? '-' : String(r.bcm))],
    ['pin', (r) => (r.headerPin === undefined ? '-' : String(r.headerPin))],
    ['sysfs', (r) => (r.sysfs === undefined ? (r.bcm === undefined ? '-' : '?') : String(r.sysfs))],
    ['chip', (r) => r.chip ?? (r.bcm === undefined ? '-' : '?')],
    ['direction', (r) => r.direction + (r.activeLevel === 'low' ? ' (active low)' : '')],
    [
      'pwm',
      (r) =>
        r.pwm
          ? `${r.pwm.chip ?? r.pwm.device ?? 'sim'}${r.pwm.channel === undefined ? '' : `/pwm${r.pwm.channel}`}${r.pwm.resolutionHzAt1kHz ? `, ${r.pwm.resolutionHzAt1kHz.toFixed(3)} Hz step at 1 kHz` : ''}`
          : '',
    ],
  ];
  return textTable(cols, rows);
}

function summary(c: RigConfig): string[] {
  const out = [
    `rig ${c.name} (${c.kind}${c.board ? `, ${c.board}` : ''}) from ${c.source}: valid`,
    `  device    ${c.devicePath}${c.deviceUrl ? ` at ${c.deviceUrl}` : ''} (template valid)`,
    `  uart      ${c.uart.path || '(the simulated module’s port)'} @ ${c.uart.baudRate}`,
  ];
  if (c.logUart) out.push(`  log uart  ${c.logUart.path || '(the simulated module’s UART2, TX2 on P0)'} @ ${c.logUart.baudRate}`);
  else out.push(`  log       OpenBeken's network log, TCP 9000 on the device's host (no logUart)`);
  for (const name of c.resets) out.push(`  reset     ${name}: ${c.sequences[name]!.text}`);
  out.push(`  boot      ${c.boot}: ${c.sequences[c.boot]!.text} (UART pads released first; no reset for 6 s after)`);
  const extra = Object.keys(c.sequences).filter((n) => !c.resets.includes(n) && n !== c.boot);
  for (const n of extra) out.push(`  sequence  ${n}: ${c.sequences[n]!.text}`);
  out.push(`  UART pads ${c.uartPads.map((p) => `P${p}`).join(', ')} (fixture lines there are released while flashing)`);
  return out;
}

async function exercise(config: RigConfig, io: CommandIo): Promise<ExerciseResult[]> {
  const rig = await openRig(config, { signal: io.signal });
  const results: ExerciseResult[] = [];
  try {
    if (rig.power) {
      await rig.power.set(1);
      const got = await rig.power.get();
      results.push({ line: 'power', did: `on, reads ${got}`, ok: got === 1 });
    }
    const pulse = rig.sequences.get('cen-pulse');
    if (pulse) {
      await pulse.run(io.signal);
      results.push({ line: 'cen', did: `pulsed (${pulse.text})`, ok: true });
    }
    for (const { name } of config.fixture) {
      const f = rig.line(name)!;
      if (f.kind === 'output') {
        await f.line.set(0);
        const low = await f.line.get();
        await f.line.set(1);
        const high = await f.line.get();
        await f.line.release();
        results.push({ line: f.name, did: `set 0 → reads ${low}, set 1 → reads ${high}, released`, ok: low === 0 && high === 1 });
      } else if (f.kind === 'input') {
        results.push({ line: f.name, did: `reads ${await f.line.read()}`, ok: true });
      } else {
        await f.line.set(1000, 0.5);
        await f.line.stop();
        results.push({ line: f.name, did: `1 kHz started and stopped (step ${f.line.resolutionHz(1000).toFixed(3)} Hz)`, ok: true });
      }
    }
  } finally {
    await rig.close();
  }
  return results;
}

export const command: Command = {
  name: 'rig',
  summary: 'rig check <file>: validate a rig and show its lines',
  usage: 'plugrig rig check <file> [--exercise] [--json]',
  options: {
    exercise: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  positionals: [2, 2],
  async run(args, io) {
    const [sub, file] = args.positionals as [string, string];
    if (sub !== 'check') throw new PlugrigError('E_USAGE', `rig: unknown subcommand '${sub}'`, 'usage: plugrig rig check <file> [--exercise] [--json]');
    const config = await loadRigFile(resolve(io.cwd, file));
    // The template the rig names is validated as `run` does, so a typo in it fails here, not at the line.
    await loadDeviceTemplate(config.devicePath, io.cwd, (m) => io.err.write(`${m}\n`));
    const root = sysClassRoot(io.env);
    const { rows, problems } = describeRig(config, { sysClassRoot: root });
    let exercised: ExerciseResult[] | undefined;
    if (flag(args, 'exercise')) {
      if (config.kind === 'pi' && io.env.PLUGRIG_SYSFS_ROOT) {
        throw new PlugrigError(
          'E_USAGE',
          '--exercise drives real pins, but PLUGRIG_SYSFS_ROOT points at a fake tree',
          'onoff always uses /sys/class/gpio: unset PLUGRIG_SYSFS_ROOT on the Pi',
        );
      }
      if (problems.length === 0) exercised = await exercise(config, io);
    }
    if (flag(args, 'json')) {
      const { sequences, ...rest } = config;
      const out = {
        rig: { ...rest, sequences: Object.fromEntries(Object.entries(sequences).map(([n, s]) => [n, s.text])) },
        lines: rows,
        problems: problems.map((p) => ({ code: p.code, message: p.message, hint: p.hint })),
        ...(exercised ? { exercise: exercised } : {}),
      };
      io.out.write(JSON.stringify(out, null, 2) + '\n');
    } else {
      io.out.write([...summary(config), '', ...table(rows)].join('\n') + '\n');
      if (exercised) io.out.write(['', 'exercise:', ...exercised.map((r) => `  ${r.ok ? 'ok  ' : 'FAIL'} ${r.line.padEnd(10)} ${r.did}`)].join('\n') + '\n');
    }
    // Resolution problems make the check fail, after the table was shown.
    if (problems.length > 0) {
      for (const p of problems.slice(1)) io.err.write(p.oneLine() + '\n');
      throw problems[0]!;
    }
    return exercised?.some((r) => !r.ok) ? 1 : 0;
  },
};
