/**
 * A fake legacy sysfs GPIO kernel for tests: a real temporary directory plus the kernel's reactions
 * to writes (export creates gpioN/, direction 'high'/'low' sets the value, writing value of an input
 * fails, export of a number no chip owns fails with EINVAL as on a 6.6+ kernel). onoff's own `fs` is
 * redirected here with jest.mock('fs'); epoll is replaced by FakeEpoll, fired when the "outside
 * world" drives a line.
 */
import * as realFs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GpioChip } from '../../src/io/gpio-chips.js';
import type { SysfsAccess } from '../../src/io/sysfs-access.js';
import type { jest } from '@jest/globals';

const GPIO = '/sys/class/gpio';

/** A gpiochip as the fake kernel lists it under /sys/class/gpio. */
export type ChipSpec = GpioChip;

/** The Pi 5's first SoC gpiochips, the same on every kernel listed below. */
const PI5_SOC_CHIPS: ChipSpec[] = [
  { name: 'gpiochip512', base: 512, ngpio: 32, label: 'gpio-brcmstb@107d508500' },
  { name: 'gpiochip544', base: 544, ngpio: 4, label: 'gpio-brcmstb@107d508520' },
  { name: 'gpiochip548', base: 548, ngpio: 17, label: 'gpio-brcmstb@107d517c00' },
];
const pi5LastSocChip = (ngpio: number): ChipSpec => ({ name: 'gpiochip565', base: 565, ngpio, label: 'gpio-brcmstb@107d517c20' });

/** Gpiochip layouts seen in the field (docs/raspberry-pi-io.md §1.1). */
export const LAYOUTS: Record<string, ChipSpec[]> = {
  'pi4-old-kernel': [
    { name: 'gpiochip0', base: 0, ngpio: 58, label: 'pinctrl-bcm2711' },
    { name: 'gpiochip504', base: 504, ngpio: 8, label: 'raspberrypi-exp-gpio' },
  ],
  'pi4-6.6': [
    { name: 'gpiochip512', base: 512, ngpio: 58, label: 'pinctrl-bcm2711' },
    { name: 'gpiochip570', base: 570, ngpio: 8, label: 'raspberrypi-exp-gpio' },
  ],
  // The kernels differ only in the last SoC chip's width, which moves the RP1 (header) chip's base.
  'pi5-6.6.20': [...PI5_SOC_CHIPS, pi5LastSocChip(6), { name: 'gpiochip571', base: 571, ngpio: 54, label: 'pinctrl-rp1' }],
  'pi5-6.12': [...PI5_SOC_CHIPS, pi5LastSocChip(4), { name: 'gpiochip569', base: 569, ngpio: 54, label: 'pinctrl-rp1' }],
};

interface LineState {
  direction: 'in' | 'out';
  /** Level the outside world drives onto the pin; undefined = floating (pull-up reads 1). */
  external?: 0 | 1;
}

function errno(code: string, msg: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${msg}`), { code });
}

export class FakeGpioKernel {
  root = '';
  chips: ChipSpec[] = [];
  readonly lines = new Map<number, LineState>();
  /** Every kernel-visible operation in order: "export 529", "direction 529 high", "unexport 529". */
  readonly ops: string[] = [];
  readonly fdPath = new Map<number, string>();
  readonly pollers = new Set<FakeEpoll>();
  /** Makes the next write of `direction` for this number fail (EIO), to test cleanup after errors. */
  failDirectionFor?: number;

  reset(layout: ChipSpec[]): void {
    if (this.root) rmSync(this.root, { recursive: true, force: true });
    this.root = mkdtempSync(join(tmpdir(), 'plugrig-gpio-'));
    this.chips = layout;
    this.lines.clear();
    this.ops.length = 0;
    this.failDirectionFor = undefined;
    for (const c of layout) {
      realFs.mkdirSync(join(this.root, c.name));
      realFs.writeFileSync(join(this.root, c.name, 'base'), `${c.base}\n`);
      realFs.writeFileSync(join(this.root, c.name, 'ngpio'), `${c.ngpio}\n`);
      realFs.writeFileSync(join(this.root, c.name, 'label'), `${c.label}\n`);
    }
    realFs.writeFileSync(join(this.root, 'export'), '');
    realFs.writeFileSync(join(this.root, 'unexport'), '');
  }

  cleanup(): void {
    if (this.root) rmSync(this.root, { recursive: true, force: true });
    this.root = '';
  }

  exported(): number[] {
    return [...this.lines.keys()].sort((a, b) => a - b);
  }

  map(p: string): string {
    if (p === GPIO || p.startsWith(GPIO + '/')) return this.root + p.slice(GPIO.length);
    return p;
  }

  /** The physical level on pin n as the kernel's value file shows it. */
  value(n: number): 0 | 1 {
    return realFs.readFileSync(join(this.root, `gpio${n}`, 'value'), 'utf8').trim() === '1' ? 1 : 0;
  }

  direction(n: number): string {
    return realFs.readFileSync(join(this.root, `gpio${n}`, 'direction'), 'utf8').trim();
  }

  /** The outside world drives pin n (undefined = lets go); fires epoll like a real edge interrupt. */
  drive(n: number, level: 0 | 1 | undefined): void {
    const st = this.lines.get(n);
    if (!st) throw new Error(`gpio${n} is not exported`);
    st.external = level;
    if (st.direction === 'in') this.writeValue(n, level ?? 1);
    const valuePath = join(this.root, `gpio${n}`, 'value');
    for (const p of this.pollers) p.fireFor(valuePath);
  }

  private writeValue(n: number, v: 0 | 1): void {
    realFs.writeFileSync(join(this.root, `gpio${n}`, 'value'), `${v}\n`);
  }

  /** Kernel reaction to a write through sysfs; returns true when handled. */
  write(mapped: string, data: string): boolean {
    const rel = mapped.slice(this.root.length + 1);
    const text = String(data).trim();
    if (rel === 'export') {
      const n = Number(text);
      const chip = this.chips.find((c) => n >= c.base && n < c.base + c.ngpio);
      if (!chip) throw errno('EINVAL', `invalid argument, write '${text}' to export`);
      if (this.lines.has(n)) throw errno('EBUSY', `device or resource busy, write '${text}' to export`);
      const dir = join(this.root, `gpio${n}`);
      realFs.mkdirSync(dir);
      for (const [f, v] of [
        ['direction', 'in'],
        ['value', '1'],
        ['active_low', '0'],
        ['edge', 'none'],
      ])
        realFs.writeFileSync(join(dir, f!), `${v}\n`);
      this.lines.set(n, { direction: 'in' });
      this.ops.push(`export ${n}`);
      return true;
    }
    if (rel === 'unexport') {
      const n = Number(text);
      if (!this.lines.has(n)) throw errno('EINVAL', `invalid argument, write '${text}' to unexport`);
      rmSync(join(this.root, `gpio${n}`), { recursive: true, force: true });
      this.lines.delete(n);
      this.ops.push(`unexport ${n}`);
      return true;
    }
    const m = /^gpio(\d+)\/(direction|edge|active_low)$/.exec(rel);
    if (!m) return false;
    const n = Number(m[1]);
    const st = this.lines.get(n);
    if (!st) throw errno('ENOENT', `no such file ${mapped}`);
    if (m[2] === 'direction') {
      if (this.failDirectionFor === n) throw errno('EIO', `i/o error, write direction of gpio${n}`);
      if (!['in', 'out', 'high', 'low'].includes(text)) throw errno('EINVAL', `direction '${text}'`);
      st.direction = text === 'in' ? 'in' : 'out';
      realFs.writeFileSync(mapped, `${st.direction}\n`);
      if (text === 'in') this.writeValue(n, st.external ?? 1);
      else if (text === 'high') this.writeValue(n, 1);
      else this.writeValue(n, 0);
      this.ops.push(`direction ${n} ${text}`);
      return true;
    }
    if (m[2] === 'edge' && !['none', 'rising', 'falling', 'both'].includes(text)) throw errno('EINVAL', `edge '${text}'`);
    realFs.writeFileSync(mapped, `${text}\n`);
    this.ops.push(`${m[2]} ${n} ${text}`);
    return true;
  }

  /** Writing a value file through an fd: only allowed on outputs. */
  checkValueWrite(fd: number): void {
    const p = this.fdPath.get(fd);
    const m = p && /gpio(\d+)\/value$/.exec(p);
    if (!m) return;
    const st = this.lines.get(Number(m[1]));
    if (st?.direction === 'in') throw errno('EPERM', `operation not permitted, write value of input gpio${m[1]}`);
    this.ops.push(`value ${m[1]}`);
  }

  /** fs module for onoff: real fs with /sys/class/gpio redirected into the fake tree. */
  fakeFs(): typeof realFs {
    const wrapped = {
      ...realFs,
      existsSync: (p: realFs.PathLike) => realFs.existsSync(this.map(String(p))),
      openSync: (p: realFs.PathLike, flags?: realFs.OpenMode, mode?: realFs.Mode) => {
        const mapped = this.map(String(p));
        const fd = realFs.openSync(mapped, flags ?? 'r', mode);
        this.fdPath.set(fd, mapped);
        return fd;
      },
      closeSync: (fd: number) => {
        this.fdPath.delete(fd);
        realFs.closeSync(fd);
      },
      readFileSync: ((p: realFs.PathOrFileDescriptor, o?: unknown) =>
        realFs.readFileSync(typeof p === 'number' ? p : this.map(String(p)), o as undefined)) as typeof realFs.readFileSync,
      writeFileSync: (p: realFs.PathOrFileDescriptor, data: string | NodeJS.ArrayBufferView, o?: realFs.WriteFileOptions) => {
        const mapped = typeof p === 'number' ? p : this.map(String(p));
        if (typeof mapped === 'string' && this.root && mapped.startsWith(this.root) && this.write(mapped, String(data))) return;
        realFs.writeFileSync(mapped, data, o);
      },
      writeSync: ((fd: number, ...rest: unknown[]) => {
        this.checkValueWrite(fd);
        return (realFs.writeSync as (...a: unknown[]) => number)(fd, ...rest);
      }) as typeof realFs.writeSync,
      readdirSync: ((p: realFs.PathLike, o?: unknown) => realFs.readdirSync(this.map(String(p)), o as undefined)) as typeof realFs.readdirSync,
      realpathSync: ((p: realFs.PathLike) => realFs.realpathSync(this.map(String(p)))) as typeof realFs.realpathSync,
    };
    return wrapped as unknown as typeof realFs;
  }

  /** The same fake kernel as our backends' SysfsAccess. */
  access(): SysfsAccess {
    const f = this.fakeFs();
    return {
      readdir: (p) => f.readdirSync(p) as string[],
      read: (p) => f.readFileSync(p, 'utf8') as string,
      write: (p, d) => f.writeFileSync(p, d),
      exists: (p) => f.existsSync(p),
      realpath: (p) => f.realpathSync(p) as string,
    };
  }
}

/** Stand-in for the epoll addon: onoff's poller callback fires when the kernel sees an edge. */
export class FakeEpoll {
  static EPOLLPRI = 2;
  static EPOLLIN = 1;
  static kernel: FakeGpioKernel;
  private readonly fds = new Set<number>();
  constructor(private readonly cb: (err: Error | null, fd: number, events: number) => void) {
    FakeEpoll.kernel.pollers.add(this);
  }
  add(fd: number): this {
    this.fds.add(fd);
    return this;
  }
  remove(fd: number): this {
    this.fds.delete(fd);
    return this;
  }
  modify(): this {
    return this;
  }
  close(): this {
    FakeEpoll.kernel.pollers.delete(this);
    return this;
  }
  fireFor(path: string): void {
    for (const fd of this.fds) {
      if (FakeEpoll.kernel.fdPath.get(fd) === path) setImmediate(() => this.cb(null, fd, FakeEpoll.EPOLLPRI));
    }
  }
  watching(): number {
    return this.fds.size;
  }
}

/**
 * A fresh fake kernel that onoff will see: its `fs` and `epoll` requires are redirected here. Call it
 * (with the test file's `jest`) before the first import of onoff or of code that loads it.
 */
export function installFakeGpioKernel(j: typeof jest): FakeGpioKernel {
  const kernel = new FakeGpioKernel();
  FakeEpoll.kernel = kernel;
  j.mock('fs', () => kernel.fakeFs());
  j.mock('epoll', () => ({ Epoll: FakeEpoll }));
  return kernel;
}
