/**
 * What `plugrig rig check` shows for each line of a rig without opening it: BCM, header pin, the
 * sysfs number resolved from the gpiochip label and base, the chip, the direction, the PWM chip and
 * its resolution. Resolution problems are collected, not thrown, so the table is always shown.
 */
import { join } from 'node:path';
import { isPlugrigError, type PlugrigError } from '../core/errors.js';
import { headerPin, listGpioChips, resolveBcm, type GpioChip } from '../io/gpio-chips.js';
import { pwmResolutionHz } from '../io/pwm-math.js';
import { nodeSysfs, type SysfsAccess } from '../io/sysfs-access.js';
import { findPwmChip } from '../io/sysfs-pwm.js';
import type { RigConfig } from './config-types.js';

export interface LineRow {
  name: string;
  pad?: string;
  kind: string;
  bcm?: number;
  headerPin?: number;
  sysfs?: number;
  chip?: string;
  direction: string;
  activeLevel: string;
  pwm?: { chip?: string; device?: string; channel?: number; resolutionHzAt1kHz?: number };
}

export interface RigDescription {
  rows: LineRow[];
  /** Why some numbers could not be resolved (no sysfs GPIO here, no PWM overlay...). */
  problems: PlugrigError[];
}

export function describeRig(config: RigConfig, opts: { sysClassRoot?: string; fs?: SysfsAccess } = {}): RigDescription {
  const root = opts.sysClassRoot ?? '/sys/class';
  const fs = opts.fs ?? nodeSysfs;
  const problems: PlugrigError[] = [];
  const note = (e: unknown) => {
    if (!isPlugrigError(e)) throw e;
    if (!problems.some((p) => p.message === e.message)) problems.push(e);
  };
  let chips: GpioChip[] | undefined;
  if (config.kind === 'pi') {
    try {
      chips = listGpioChips(join(root, 'gpio'), fs);
    } catch (e) {
      note(e);
    }
  }
  const gpio = (bcm: number | undefined): Pick<LineRow, 'bcm' | 'headerPin' | 'sysfs' | 'chip'> => {
    if (bcm === undefined) return {};
    const row: Pick<LineRow, 'bcm' | 'headerPin' | 'sysfs' | 'chip'> = { bcm, headerPin: headerPin(bcm) };
    if (chips) {
      try {
        const r = resolveBcm(bcm, chips, join(root, 'gpio'));
        row.sysfs = r.sysfs;
        row.chip = `${r.chip.name} (${r.chip.label})`;
      } catch (e) {
        note(e);
      }
    }
    return row;
  };
  const sim = config.kind === 'sim';
  const rows: LineRow[] = [];
  for (const c of [config.power, config.cen]) {
    if (!c) continue;
    rows.push({
      name: c.name,
      kind: c.drive,
      ...gpio(c.bcm),
      ...(sim ? { chip: `sim ${c.name === 'power' ? '3V3' : 'CEN'} net` } : {}),
      direction: c.drive === 'open-drain' ? 'out-low / in' : 'out',
      activeLevel: c.activeLevel,
    });
  }
  for (const f of config.fixture) {
    const row: LineRow = {
      name: f.name,
      pad: `P${f.pad}`,
      kind: f.kind,
      ...gpio(f.bcm),
      ...(sim ? { chip: `sim P${f.pad} net` } : {}),
      direction: f.kind === 'input' ? 'in' : f.kind === 'pwm' ? 'pwm' : f.kind === 'open-drain' ? 'out-low / in' : 'out',
      activeLevel: f.activeLevel,
    };
    if (f.kind === 'pwm') {
      row.pwm = { device: f.pwm?.chipDevice, channel: f.pwm?.channel, resolutionHzAt1kHz: f.pwm?.clockHz ? pwmResolutionHz(1000, f.pwm.clockHz) : 0 };
      if (!sim && f.pwm?.chipDevice) {
        try {
          row.pwm.chip = findPwmChip(f.pwm.chipDevice, join(root, 'pwm'), fs).chip;
        } catch (e) {
          note(e);
        }
      }
    }
    rows.push(row);
  }
  return { rows, problems };
}
