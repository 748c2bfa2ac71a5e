/**
 * A PulseOutput on a kernel hardware PWM channel (/sys/class/pwm). The chip is found by its device
 * (pwmchipN numbering is not stable), the channel exported and awaited (its files appear
 * asynchronously), then period/duty are written in ns and enabled. Changing the frequency rewrites
 * the period live without disabling. Closed channels are disabled and unexported, also at exit.
 */
import { join } from 'node:path';
import { realClock, sleep, type Clock } from '../core/clock.js';
import { PlugrigError, throwIfAborted } from '../core/errors.js';
import { onProcessExit } from './exit-cleanup.js';
import { pwmResolutionHz, pwmSetting, writeOrder, type PwmSetting } from './pwm-math.js';
import { nodeSysfs, type SysfsAccess } from './sysfs-access.js';
import type { PulseOutput } from './types.js';

export interface PwmSpec {
  name: string;
  /** Part of the chip's device path: 'fe20c000.pwm' (Pi 4 PWM), '1f00098000.pwm' (Pi 5 RP1 PWM0). */
  chipDevice: string;
  channel: number;
  /** PWM input clock: 10 MHz on Pi 4, 50 MHz on Pi 5. */
  clockHz: number;
}

export interface PwmOpenOptions {
  pwmRoot?: string;
  fs?: SysfsAccess;
  signal?: AbortSignal;
  /** How long to wait for pwmK/ to appear after export. */
  exportTimeoutMs?: number;
  /** The export wait's deadline and polls (default realClock). */
  clock?: Clock;
}

export interface SysfsPulseOutput extends PulseOutput {
  /** e.g. pwmchip0 */
  readonly chip: string;
  readonly channel: number;
  /** What the hardware produces after quantisation, undefined when stopped. */
  readonly current: PwmSetting | undefined;
}

export interface PwmChipInfo {
  chip: string;
  device: string;
  npwm: number;
}

export function findPwmChip(chipDevice: string, root = '/sys/class/pwm', fs: SysfsAccess = nodeSysfs): PwmChipInfo {
  let names: string[];
  try {
    names = fs.readdir(root).filter((n) => /^pwmchip\d+$/.test(n));
  } catch {
    throw new PlugrigError(
      'E_PWM_UNAVAILABLE',
      `${root} is not there: no kernel PWM on this host`,
      'on a Pi add dtoverlay=pwm-2chan (see hardware/fixture/README.md) and reboot',
    );
  }
  const seen: string[] = [];
  for (const chip of names) {
    let device: string;
    try {
      device = fs.realpath(join(root, chip, 'device'));
    } catch {
      continue;
    }
    seen.push(`${chip}→${device.split('/').pop()}`);
    if (device.includes(chipDevice)) return { chip, device, npwm: Number(fs.read(join(root, chip, 'npwm')).trim()) };
  }
  throw new PlugrigError(
    'E_PWM_UNAVAILABLE',
    `no PWM chip for device ${chipDevice} under ${root} (found: ${seen.join(', ') || 'none'})`,
    "enable the PWM overlay in config.txt (dtoverlay=pwm-2chan,...) and check the rig file's board (pi4/pi5)",
  );
}

export async function openSysfsPwm(spec: PwmSpec, opts: PwmOpenOptions = {}): Promise<SysfsPulseOutput> {
  const fs = opts.fs ?? nodeSysfs;
  const root = opts.pwmRoot ?? '/sys/class/pwm';
  const { chip, npwm } = findPwmChip(spec.chipDevice, root, fs);
  if (!(spec.channel >= 0 && spec.channel < npwm)) {
    throw new PlugrigError(
      'E_PWM_UNAVAILABLE',
      `${spec.name}: ${chip} has ${npwm} channels, no channel ${spec.channel}`,
      'check the pin→channel table in hardware/fixture/README.md',
    );
  }
  const chipDir = join(root, chip);
  const dir = join(chipDir, `pwm${spec.channel}`);
  const file = (f: string) => join(dir, f);
  const write = (f: string, v: string | number) => {
    try {
      fs.write(file(f), String(v));
    } catch (e) {
      throw new PlugrigError(
        'E_PWM_IO',
        `${spec.name}: cannot write ${v} to ${file(f)}: ${(e as Error).message}`,
        'check permissions (udev rule for /sys/class/pwm) and that no other program uses the channel',
        { cause: e },
      );
    }
  };

  if (!fs.exists(dir)) {
    try {
      fs.write(join(chipDir, 'export'), String(spec.channel));
    } catch (e) {
      throw new PlugrigError(
        'E_PWM_IO',
        `${spec.name}: cannot export ${chip} channel ${spec.channel}: ${(e as Error).message}`,
        'check permissions on /sys/class/pwm or run as root',
        { cause: e },
      );
    }
  }
  const unexport = () => {
    try {
      if (fs.exists(dir)) fs.write(file('enable'), '0');
    } catch {
      // disabling is best effort; unexport below still frees the channel
    }
    try {
      fs.write(join(chipDir, 'unexport'), String(spec.channel));
    } catch {
      // already gone
    }
  };
  const clock = opts.clock ?? realClock;
  const what = `${spec.name}: PWM export`;
  const deadline = clock.now() + (opts.exportTimeoutMs ?? 1000);
  try {
    // The channel's files (and their udev permissions) appear after the export returns.
    while (!(fs.exists(file('period')) && fs.exists(file('duty_cycle')) && fs.exists(file('enable')))) {
      throwIfAborted(opts.signal, what);
      if (clock.now() > deadline) {
        throw new PlugrigError(
          'E_PWM_IO',
          `${spec.name}: ${dir} did not appear within ${opts.exportTimeoutMs ?? 1000} ms after export`,
          'check the PWM overlay and udev permissions',
        );
      }
      await sleep(clock, 5, opts.signal, what);
    }
    // The loop may not run at all (already exported) or end right after an abort: a Ctrl-C while
    // opening must not leave a channel set up.
    throwIfAborted(opts.signal, what);
    write('enable', '0');
  } catch (e) {
    unexport();
    throw e;
  }
  const removeExitHook = onProcessExit(unexport);

  let current: PwmSetting | undefined;
  let dutyNs = Number(fs.read(file('duty_cycle')).trim()) || 0;
  let enabled = false;
  let closed = false;
  const live = () => {
    if (closed) throw new PlugrigError('E_LINE_CLOSED', `pulse output ${spec.name} is closed`, 'open the rig again');
  };

  return {
    name: spec.name,
    chip,
    channel: spec.channel,
    get current() {
      return current;
    },
    async set(hz, duty = 0.5) {
      live();
      const next = pwmSetting(hz, duty, spec.clockHz, spec.name);
      for (const f of writeOrder(dutyNs, next)) write(f, f === 'period' ? next.periodNs : next.dutyNs);
      dutyNs = next.dutyNs;
      if (!enabled) {
        write('enable', '1');
        enabled = true;
      }
      current = next;
    },
    async stop() {
      live();
      if (enabled) write('enable', '0');
      enabled = false;
      current = undefined;
    },
    resolutionHz: (hz) => pwmResolutionHz(hz, spec.clockHz),
    async close() {
      if (closed) return;
      closed = true;
      unexport();
      removeExitHook();
    },
  };
}
