import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SysfsAccess } from '../../src/io/sysfs-access.js';

/** A fake /sys/class/pwm: export creates pwmK/ after a delay, and duty > period or enable with period 0 fail like the kernel. */
export class FakePwmKernel implements SysfsAccess {
  readonly ops: string[] = [];
  readonly dir: string;
  readonly root: string;
  constructor(
    chips: { chip: string; device: string; npwm: number }[],
    private readonly exportDelayMs = 15,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'plugrig-pwm-'));
    this.root = join(this.dir, 'class', 'pwm');
    mkdirSync(this.root, { recursive: true });
    for (const c of chips) {
      const dev = join(this.dir, 'devices', 'platform', 'soc', c.device);
      mkdirSync(dev, { recursive: true });
      mkdirSync(join(this.root, c.chip));
      symlinkSync(dev, join(this.root, c.chip, 'device'));
      writeFileSync(join(this.root, c.chip, 'npwm'), `${c.npwm}\n`);
    }
  }
  private readonly timers: NodeJS.Timeout[] = [];
  cleanup() {
    for (const t of this.timers) clearTimeout(t);
    rmSync(this.dir, { recursive: true, force: true });
  }
  num(chip: string, ch: number, f: string): number {
    return Number(readFileSync(join(this.root, chip, `pwm${ch}`, f), 'utf8'));
  }
  readdir = (p: string) => readdirSync(p);
  read = (p: string) => readFileSync(p, 'utf8');
  exists = (p: string) => existsSync(p);
  realpath = (p: string) => realpathSync(p);
  write = (p: string, data: string) => {
    const rel = p.slice(this.root.length + 1).split('/');
    const [chip, a, b] = rel as [string, string, string | undefined];
    if (a === 'export') {
      const ch = join(this.root, chip, `pwm${data}`);
      if (existsSync(ch)) throw Object.assign(new Error('EBUSY'), { code: 'EBUSY' });
      this.ops.push(`export ${data}`);
      this.timers.push(
        setTimeout(() => {
          if (!existsSync(join(this.root, chip))) return;
          mkdirSync(ch);
          for (const f of ['period', 'duty_cycle', 'enable']) writeFileSync(join(ch, f), '0');
        }, this.exportDelayMs),
      );
      return;
    }
    if (a === 'unexport') {
      this.ops.push(`unexport ${data}`);
      rmSync(join(this.root, chip, `pwm${data}`), { recursive: true, force: true });
      return;
    }
    const ch = join(this.root, chip, a);
    const period = Number(readFileSync(join(ch, 'period'), 'utf8'));
    const duty = Number(readFileSync(join(ch, 'duty_cycle'), 'utf8'));
    if (b === 'period' && Number(data) < duty) throw Object.assign(new Error('EINVAL period < duty'), { code: 'EINVAL' });
    if (b === 'duty_cycle' && Number(data) > period) throw Object.assign(new Error('EINVAL duty > period'), { code: 'EINVAL' });
    if (b === 'enable' && data === '1' && period === 0) throw Object.assign(new Error('EINVAL enable with period 0'), { code: 'EINVAL' });
    writeFileSync(join(ch, b!), data);
    this.ops.push(`${a}/${b} ${data}`);
  };
}
