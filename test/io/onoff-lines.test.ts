/**
 * onoff's real code against a fake sysfs kernel: fs redirected, epoll faked (docs/raspberry-pi-io.md §5).
 */
import { jest, describe, test, expect, beforeEach, afterAll } from '@jest/globals';
import { LAYOUTS, installFakeGpioKernel } from './fake-gpio-kernel.js';

const mockKernel = installFakeGpioKernel(jest);

const { OnoffBackend } = await import('../../src/io/onoff-lines.js');
const { pendingExitCleanups } = await import('../../src/io/exit-cleanup.js');
import type { Edge } from '../../src/io/types.js';

const until = async (cond: () => boolean, ms = 1000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
};

const backend = () => OnoffBackend.create({ fs: mockKernel.access() });

afterAll(() => mockKernel.cleanup());

describe('BCM numbering from the gpiochip label and base', () => {
  const cases: [string, number][] = [
    ['pi4-old-kernel', 17],
    ['pi4-6.6', 512 + 17],
    ['pi5-6.6.20', 571 + 17],
    ['pi5-6.12', 569 + 17],
  ];
  test.each(cases)('%s: GPIO17 is exported as %i', async (layout, expected) => {
    mockKernel.reset(LAYOUTS[layout]!);
    const b = await backend();
    const line = b.openOutput({ name: 'power', bcm: 17 });
    expect(mockKernel.exported()).toEqual([expected]);
    expect(b.resolve(17).chip.label).toMatch(/pinctrl-/);
    await line.close();
    expect(mockKernel.exported()).toEqual([]);
    await b.closeAll();
  });

  test('a host without a header chip is refused with E_GPIO_UNAVAILABLE', async () => {
    mockKernel.reset([{ name: 'gpiochip0', base: 0, ngpio: 32, label: 'some-other-soc' }]);
    const b = await backend();
    expect(() => b.openOutput({ name: 'cen', bcm: 27 })).toThrow(expect.objectContaining({ code: 'E_GPIO_UNAVAILABLE' }));
    await b.closeAll();
  });
});

describe('outputs', () => {
  beforeEach(() => mockKernel.reset(LAYOUTS['pi4-6.6']!));

  test('open leaves the line released; set writes direction high/low atomically; release returns to input', async () => {
    const b = await backend();
    const power = b.openOutput({ name: 'power', bcm: 17 });
    expect(mockKernel.direction(529)).toBe('in');
    await power.set(1);
    expect([mockKernel.direction(529), mockKernel.value(529)]).toEqual(['out', 1]);
    expect(await power.get()).toBe(1);
    await power.set(0);
    expect(mockKernel.value(529)).toBe(0);
    expect(mockKernel.ops.slice(-2)).toEqual(['direction 529 high', 'direction 529 low']);
    await power.release();
    expect(mockKernel.direction(529)).toBe('in');
    await b.closeAll();
  });

  test('active-low inverts the logical level', async () => {
    const b = await backend();
    const power = b.openOutput({ name: 'power', bcm: 17, activeLevel: 'low' });
    await power.set(1);
    expect(mockKernel.value(529)).toBe(0);
    expect(await power.get()).toBe(1);
    await b.closeAll();
  });

  test('open-drain: low drives the pin, high releases it (input), so an external low still wins', async () => {
    const b = await backend();
    const cen = b.openOutput({ name: 'cen', bcm: 27, drive: 'open-drain' });
    await cen.set(0);
    expect([mockKernel.direction(539), mockKernel.value(539)]).toEqual(['out', 0]);
    await cen.set(1);
    expect(mockKernel.direction(539)).toBe('in');
    expect(await cen.get()).toBe(1); // pull-up
    mockKernel.drive(539, 0);
    expect(await cen.get()).toBe(0);
    await b.closeAll();
  });
});

describe('inputs', () => {
  beforeEach(() => mockKernel.reset(LAYOUTS['pi5-6.12']!));

  test('read, and a watch reports both edges with rising host timestamps', async () => {
    const b = await backend();
    const relay = b.openInput({ name: 'relay', bcm: 23 });
    const n = 569 + 23;
    expect(mockKernel.ops).toContain(`edge ${n} both`);
    mockKernel.drive(n, 0);
    expect(await relay.read()).toBe(0);
    const edges: Edge[] = [];
    const stop = relay.watch((e) => edges.push(e));
    mockKernel.drive(n, 1);
    await until(() => edges.length === 1);
    mockKernel.drive(n, 0);
    await until(() => edges.length === 2);
    expect(edges.map((e) => e.level)).toEqual([1, 0]);
    expect(edges[1]!.tNs > edges[0]!.tNs).toBe(true);
    stop();
    mockKernel.drive(n, 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(edges).toHaveLength(2);
    await b.closeAll();
    expect(mockKernel.exported()).toEqual([]);
  });

  test('debounce merges chatter into one edge stamped at its first raw change', async () => {
    const b = await backend();
    const button = b.openInput({ name: 'led', bcm: 24 });
    const n = 569 + 24;
    const edges: Edge[] = [];
    button.watch((e) => edges.push(e), 30);
    for (const v of [0, 1, 0, 1, 0] as const) {
      mockKernel.drive(n, v);
      await new Promise((r) => setImmediate(r));
    }
    await new Promise((r) => setTimeout(r, 10));
    expect(edges).toHaveLength(0); // not settled yet
    await until(() => edges.length === 1, 500);
    expect(edges[0]!.level).toBe(0);
    await new Promise((r) => setTimeout(r, 50));
    expect(edges).toHaveLength(1);
    await b.closeAll();
  });
});

describe('release on close, error and exit', () => {
  beforeEach(() => mockKernel.reset(LAYOUTS['pi4-6.6']!));

  test('a failure while configuring a line unexports it and names the line', async () => {
    const b = await backend();
    mockKernel.failDirectionFor = 512 + 22;
    let err: unknown;
    try {
      b.openInput({ name: 'button', bcm: 22 });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'E_GPIO_IO' });
    expect(String((err as Error).message)).toContain('button (GPIO22 = sysfs 534');
    expect(mockKernel.exported()).toEqual([]);
    await b.closeAll();
  });

  test('closeAll unexports every line still open and drops the exit hook', async () => {
    const before = pendingExitCleanups();
    const b = await backend();
    expect(pendingExitCleanups()).toBe(before + 1);
    b.openOutput({ name: 'power', bcm: 17 });
    b.openInput({ name: 'relay', bcm: 23 });
    expect(mockKernel.exported()).toEqual([529, 535]);
    await b.closeAll();
    expect(mockKernel.exported()).toEqual([]);
    expect(pendingExitCleanups()).toBe(before);
  });

  test('a closed line refuses use with E_LINE_CLOSED', async () => {
    const b = await backend();
    const l = b.openOutput({ name: 'power', bcm: 17 });
    await l.close();
    await expect(l.set(1)).rejects.toMatchObject({ code: 'E_LINE_CLOSED' });
    await b.closeAll();
  });
});
