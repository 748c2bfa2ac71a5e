/**
 * Raspberry Pi GPIO lines over onoff (legacy sysfs). BCM numbers are resolved to sysfs numbers from
 * the header chip's label and base at open time. Every line starts released (input), so opening a
 * rig never glitches power or CEN; outputs switch direction on their first set(), which also writes
 * the level atomically ('high'/'low'). Open-drain is emulated: low = output low, high = input
 * (the pull-up wins). Every exported line is unexported on close, on a failed open, and at exit.
 */
import type { Gpio as OnoffGpio } from 'onoff';
import { join } from 'node:path';
import { realClock, type Clock } from '../core/clock.js';
import { PlugrigError } from '../core/errors.js';
import { createEdgeFilter, nowNs } from './edge-filter.js';
import { onProcessExit } from './exit-cleanup.js';
import { listGpioChips, resolveBcm, type GpioChip, type ResolvedGpio } from './gpio-chips.js';
import { nodeSysfs, type SysfsAccess } from './sysfs-access.js';
import type { Edge, InputLine, Level, OutputLine } from './types.js';

export type GpioCtor = typeof OnoffGpio;
export type Drive = 'push-pull' | 'open-drain';

export interface GpioLineSpec {
  name: string;
  bcm: number;
  /** GPIO level that means logical 1 (power on, CEN high, pad high). Default 'high'. */
  activeLevel?: 'high' | 'low';
  drive?: Drive;
}

export interface OnoffBackendOptions {
  /** The legacy sysfs GPIO directory. onoff itself always uses /sys/class/gpio; only tests change this. */
  gpioRoot?: string;
  fs?: SysfsAccess;
  /** onoff's Gpio class; loaded with import('onoff') when not given. */
  Gpio?: GpioCtor;
  /** Edge timestamps (nowNs) and debounce timers (default realClock: hrtime, as onoff's edges always had). */
  clock?: Clock;
}

const flip = (l: Level): Level => (l === 1 ? 0 : 1);

export class OnoffBackend {
  private readonly open = new Set<{ name: string; gpio: OnoffGpio }>();
  private readonly removeExitHook: () => void;
  private chips?: GpioChip[];

  private constructor(
    private readonly Gpio: GpioCtor,
    readonly gpioRoot: string,
    private readonly fs: SysfsAccess,
    private readonly clock: Clock,
  ) {
    this.removeExitHook = onProcessExit(() => this.unexportAll());
  }

  static async create(opts: OnoffBackendOptions = {}): Promise<OnoffBackend> {
    const fs = opts.fs ?? nodeSysfs;
    const root = opts.gpioRoot ?? '/sys/class/gpio';
    const Gpio = opts.Gpio ?? (await import('onoff')).Gpio;
    return new OnoffBackend(Gpio, root, fs, opts.clock ?? realClock);
  }

  /** BCM → sysfs number via the header chip; chips are read once per backend. */
  resolve(bcm: number): ResolvedGpio {
    this.chips ??= listGpioChips(this.gpioRoot, this.fs);
    return resolveBcm(bcm, this.chips, this.gpioRoot);
  }

  openOutput(spec: GpioLineSpec): OutputLine {
    const { gpio, entry, resolved } = this.export(spec, 'in');
    const activeLow = spec.activeLevel === 'low';
    const openDrain = spec.drive === 'open-drain';
    const toPhysical = (l: Level): Level => (activeLow ? flip(l) : l);
    let closed = false;
    const live = () => {
      if (closed) throw new PlugrigError('E_LINE_CLOSED', `line ${spec.name} (GPIO${spec.bcm}) is closed`, 'open the rig again');
    };
    const wrap = <T>(what: string, fn: () => T): T => {
      try {
        return fn();
      } catch (e) {
        throw this.ioError(spec, resolved, what, e);
      }
    };
    return {
      name: spec.name,
      set: async (level) => {
        live();
        const phys = toPhysical(level);
        wrap('set', () => {
          if (openDrain && phys === 1) gpio.setDirection('in');
          else gpio.setDirection(phys === 1 ? 'high' : 'low');
        });
      },
      get: async () => {
        live();
        const phys = wrap('read', () => gpio.readSync()) as Level;
        return toPhysical(phys);
      },
      release: async () => {
        live();
        wrap('release', () => gpio.setDirection('in'));
      },
      close: async () => {
        if (closed) return;
        closed = true;
        this.unexportOne(entry);
      },
    };
  }

  openInput(spec: GpioLineSpec): InputLine {
    const { gpio, entry, resolved } = this.export(spec, 'in', 'both');
    const activeLow = spec.activeLevel === 'low';
    const logical = (v: number): Level => (activeLow ? flip(v as Level) : (v as Level));
    const subscribers = new Set<(raw: Edge) => void>();
    let closed = false;
    // One onoff watcher feeds every subscriber; the timestamp is taken here, onoff gives none.
    const onValue = (err: Error | null | undefined, value: number) => {
      if (err) return;
      const edge = { level: logical(value), tNs: nowNs(this.clock) };
      for (const s of [...subscribers]) s(edge);
    };
    return {
      name: spec.name,
      read: async () => {
        if (closed) throw new PlugrigError('E_LINE_CLOSED', `line ${spec.name} (GPIO${spec.bcm}) is closed`, 'open the rig again');
        try {
          return logical(gpio.readSync());
        } catch (e) {
          throw this.ioError(spec, resolved, 'read', e);
        }
      },
      watch: (onEdge, debounceMs = 0) => {
        if (closed) throw new PlugrigError('E_LINE_CLOSED', `line ${spec.name} is closed`, 'open the rig again');
        const filter = createEdgeFilter(logical(gpio.readSync()), debounceMs, onEdge, this.clock);
        const sub = (e: Edge) => filter.feed(e);
        subscribers.add(sub);
        if (subscribers.size === 1) gpio.watch(onValue);
        return () => {
          filter.cancel();
          if (!subscribers.delete(sub)) return;
          if (subscribers.size === 0 && !closed) gpio.unwatch(onValue);
        };
      },
      close: async () => {
        if (closed) return;
        closed = true;
        subscribers.clear();
        this.unexportOne(entry);
      },
    };
  }

  /** Unexports every line still open (idempotent). */
  async closeAll(): Promise<void> {
    this.unexportAll();
    this.removeExitHook();
  }

  /** How many lines this backend holds exported. */
  get exportedCount(): number {
    return this.open.size;
  }

  private export(spec: GpioLineSpec, direction: 'in', edge?: 'both') {
    const resolved = this.resolve(spec.bcm);
    const dir = join(this.gpioRoot, `gpio${resolved.sysfs}`);
    const existedBefore = this.fs.exists(dir);
    let gpio: OnoffGpio;
    try {
      gpio = edge ? new this.Gpio(resolved.sysfs, direction, edge) : new this.Gpio(resolved.sysfs, direction);
    } catch (e) {
      // onoff may have exported before failing on direction/edge: do not leave the line behind
      if (!existedBefore && this.fs.exists(dir)) {
        try {
          this.fs.write(join(this.gpioRoot, 'unexport'), String(resolved.sysfs));
        } catch {
          // nothing more we can do; the error below names the line
        }
      }
      throw this.ioError(spec, resolved, 'export', e);
    }
    const entry = { name: spec.name, gpio };
    this.open.add(entry);
    return { gpio, entry, resolved };
  }

  private unexportOne(entry: { gpio: OnoffGpio }): void {
    if (!this.open.delete(entry as { name: string; gpio: OnoffGpio })) return;
    try {
      entry.gpio.unexport();
    } catch {
      // onoff already ignores unexport write errors; closing the fd twice is the only other failure
    }
  }

  private unexportAll(): void {
    for (const entry of [...this.open]) this.unexportOne(entry);
  }

  private ioError(spec: GpioLineSpec, r: ResolvedGpio, what: string, e: unknown): PlugrigError {
    const code = (e as NodeJS.ErrnoException)?.code;
    const where = `${spec.name} (GPIO${spec.bcm} = sysfs ${r.sysfs} on ${r.chip.label})`;
    const hint =
      code === 'EACCES' || code === 'EPERM'
        ? 'add the user to the gpio group or run as root'
        : code === 'EBUSY'
          ? 'another process or a kernel driver (overlay) owns this pin: check config.txt and `pinctrl get`'
          : code === 'EINVAL'
            ? 'the sysfs number does not exist: check the gpiochip base (cat /sys/class/gpio/gpiochip*/base)'
            : 'check the wiring and that nothing else uses the pin';
    return new PlugrigError('E_GPIO_IO', `cannot ${what} ${where}: ${(e as Error)?.message ?? String(e)}`, hint, { cause: e });
  }
}
