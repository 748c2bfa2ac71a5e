import { rm, mkdtemp, open } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { realClock, sleep, withDeadline } from '../../src/core/clock.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';

describe('VirtualClock, stepped by hand', () => {
  it('fires timers in time order, ties in the order they were set, intervals repeatedly', () => {
    const clock = new VirtualClock({ autoAdvance: false, startMs: 0 });
    const seen: string[] = [];
    clock.setTimeout(() => seen.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => seen.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => seen.push(`a2@${clock.now()}`), 10);
    const iv = clock.setInterval(() => seen.push(`i@${clock.now()}`), 15);
    clock.advance(31);
    clock.clearInterval(iv);
    clock.advance(100);
    expect(seen).toEqual(['a@10', 'a2@10', 'i@15', 'b@20', 'i@30']);
    expect(clock.now()).toBe(131);
  });

  it('keeps wall time and edge time in step with monotonic time', () => {
    const clock = new VirtualClock({ autoAdvance: false, startMs: 5, wallStartMs: 1_700_000_000_000 });
    clock.advance(1500);
    expect(clock.wallNow()).toBe(1_700_000_001_500);
    expect(clock.nowNs()).toBe(1_505_000_000n);
  });

  it('a cleared timer never fires', () => {
    const clock = new VirtualClock({ autoAdvance: false });
    let fired = false;
    clock.clearTimeout(clock.setTimeout(() => (fired = true), 5));
    clock.advance(10);
    expect(fired).toBe(false);
  });
});

describe('VirtualClock, advancing when idle', () => {
  it('a minute of waiting costs no real minute', async () => {
    const clock = new VirtualClock();
    const t0 = clock.now();
    const wall = performance.now();
    await sleep(clock, 60_000);
    expect(clock.now() - t0).toBe(60_000);
    expect(performance.now() - wall).toBeLessThan(5_000);
  });

  it('runs concurrent sleepers in virtual-time order whatever the order of their awaits', async () => {
    const clock = new VirtualClock({ startMs: 0 });
    const order: number[] = [];
    await Promise.all(
      [300, 100, 200].map(async (ms) => {
        await sleep(clock, ms);
        order.push(clock.now());
      }),
    );
    expect(order).toEqual([100, 200, 300]);
  });

  it('rejects a sleep with E_ABORTED when its signal fires', async () => {
    const clock = new VirtualClock();
    const ac = new AbortController();
    clock.setTimeout(() => ac.abort(), 50);
    await expect(sleep(clock, 10_000, ac.signal, 'button guard')).rejects.toMatchObject({ code: 'E_ABORTED', message: 'button guard aborted' });
    expect(clock.now()).toBe(1050);
  });

  it("only unref'd timers left: the driver stops and time stands still", async () => {
    const clock = new VirtualClock();
    let ticks = 0;
    clock.setInterval(() => ticks++, 25).unref();
    await sleep(clock, 100);
    const at = clock.now();
    const ticksAt = ticks;
    await sleep(realClock, 30);
    expect(ticksAt).toBe(4);
    expect(clock.now()).toBe(at);
    expect(ticks).toBe(ticksAt);
  });

  it('holds time while a real file write and fsync are in flight', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'plugrig-clock-'));
    try {
      const clock = new VirtualClock();
      const work = (async () => {
        const fh = await open(path.join(dir, 'f'), 'w');
        await fh.write(Buffer.alloc(8 << 20, 1));
        await fh.sync();
        await fh.close();
        return clock.now();
      })();
      const start = clock.now();
      const doneAt = await withDeadline(clock, 1, work, () => new Error('virtual deadline passed during real I/O'));
      expect(doneAt).toBe(start);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('lets loopback HTTP round trips finish inside a 2 ms virtual deadline while a 1 ms tick runs', async () => {
    const clock = new VirtualClock();
    // A background tick like the simulated firmware's, so time has somewhere to go.
    const tick = clock.setInterval(() => {}, 1);
    const server = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    const agent = new http.Agent({ keepAlive: true });
    try {
      for (let i = 0; i < 40; i++) {
        const get = new Promise<string>((resolve, reject) => {
          http
            .get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
              let body = '';
              res.on('data', (c) => (body += c));
              res.on('end', () => resolve(body));
            })
            .on('error', reject);
        });
        await expect(withDeadline(clock, 2, get, () => new Error(`request ${i} ran out of virtual time`))).resolves.toBe('ok');
      }
    } finally {
      clock.clearInterval(tick);
      agent.destroy();
      await new Promise((r) => server.close(r));
    }
  });

  it('hold() keeps time still until released', async () => {
    const clock = new VirtualClock();
    const release = clock.hold();
    let fired = false;
    clock.setTimeout(() => (fired = true), 1);
    await sleep(realClock, 20);
    expect(fired).toBe(false);
    release();
    await sleep(clock, 1);
    expect(fired).toBe(true);
  });
});
