/**
 * BCM → sysfs GPIO numbers. Since Linux 6.x gpiochip bases are dynamic (Pi 4 on 6.6+: 512, Pi 5: 571
 * or 569, old kernels: 0), so the header chip is found by its label at run time, never by a constant.
 */
import { join } from 'node:path';
import { PlugrigError } from '../core/errors.js';
import { nodeSysfs, type SysfsAccess } from './sysfs-access.js';

/** Labels of the chip that carries the 40-pin header, in order of preference (Pi 5 first: its SoC chips come first). */
export const HEADER_CHIP_LABELS = ['pinctrl-rp1', 'pinctrl-bcm2712', 'pinctrl-bcm2711', 'pinctrl-bcm2835'] as const;

export interface GpioChip {
  /** Directory name, e.g. gpiochip512. */
  name: string;
  base: number;
  ngpio: number;
  label: string;
}

export interface ResolvedGpio {
  bcm: number;
  /** Global sysfs number (what onoff writes to /sys/class/gpio/export). */
  sysfs: number;
  chip: GpioChip;
}

/** Pure: pick the header chip and add its base. */
export function resolveBcm(bcm: number, chips: readonly GpioChip[], root = '/sys/class/gpio'): ResolvedGpio {
  for (const label of HEADER_CHIP_LABELS) {
    const chip = chips.find((c) => c.label === label);
    if (!chip) continue;
    if (!Number.isInteger(bcm) || bcm < 0 || bcm >= chip.ngpio) {
      throw new PlugrigError('E_GPIO_RANGE', `GPIO${bcm} is outside ${label} (0..${chip.ngpio - 1})`, 'use a BCM GPIO number of the 40-pin header (2..27)');
    }
    return { bcm, sysfs: chip.base + bcm, chip };
  }
  const seen = chips.map((c) => `${c.name}=${c.label}`).join(', ') || 'none';
  throw new PlugrigError(
    'E_GPIO_UNAVAILABLE',
    `no Raspberry Pi header gpiochip under ${root} (chips: ${seen})`,
    'run on a Raspberry Pi with CONFIG_GPIO_SYSFS (ls /sys/class/gpio), or set PLUGRIG_SYSFS_ROOT to a fake /sys/class tree',
  );
}

/** Reads every gpiochipN/{base,ngpio,label} under root. Throws E_GPIO_UNAVAILABLE when root is missing. */
export function listGpioChips(root = '/sys/class/gpio', fs: SysfsAccess = nodeSysfs): GpioChip[] {
  let names: string[];
  try {
    names = fs.readdir(root).filter((n) => /^gpiochip\d+$/.test(n));
  } catch (e) {
    throw new PlugrigError(
      'E_GPIO_UNAVAILABLE',
      `${root} is not there (${(e as NodeJS.ErrnoException).code ?? String(e)}): this kernel offers no sysfs GPIO`,
      'run on a Raspberry Pi with CONFIG_GPIO_SYSFS (ls /sys/class/gpio), or set PLUGRIG_SYSFS_ROOT to a fake /sys/class tree for a dry check',
    );
  }
  return names.map((name) => {
    const rd = (f: string) => fs.read(join(root, name, f)).trim();
    return { name, base: Number(rd('base')), ngpio: Number(rd('ngpio')), label: rd('label') };
  });
}

/** Physical 40-pin header pin of a BCM GPIO (same on Pi 2/3/4/5). */
const HEADER_PIN_OF_BCM: Record<number, number> = {
  2: 3,
  3: 5,
  4: 7,
  17: 11,
  27: 13,
  22: 15,
  10: 19,
  9: 21,
  11: 23,
  0: 27,
  5: 29,
  6: 31,
  13: 33,
  19: 35,
  26: 37,
  14: 8,
  15: 10,
  18: 12,
  23: 16,
  24: 18,
  25: 22,
  8: 24,
  7: 26,
  1: 28,
  12: 32,
  16: 36,
  20: 38,
  21: 40,
};

export function headerPin(bcm: number): number | undefined {
  return HEADER_PIN_OF_BCM[bcm];
}
