/**
 * The example plans, loaded from the checkout by the compiled CLI exactly as a user runs them
 * (`plugrig run --plan examples/….ts --virtual-time`: the .ts loads through tsx, 'plugrig' resolves
 * to this package), each on the simulated rig in virtual time: PASS.
 * npm test builds dist/ first; alone: npm run build.
 */
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateTestImage } from '../../src/bk7231/test-image.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function plugrig(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  const store = mkdtempSync(join(tmpdir(), 'plugrig-examples-'));
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, ...extraEnv };
    delete env.NODE_OPTIONS; // jest's flags are not part of a user's run
    const r = spawnSync(process.execPath, [join(root, 'bin', 'plugrig.js'), ...args, '--store', store], { cwd: root, env, encoding: 'utf8', timeout: 120_000 });
    return { code: r.status, out: r.stdout, err: r.stderr };
  } finally {
    rmSync(store, { recursive: true, force: true });
  }
}

describe('plan files through the CLI', () => {
  test("run --plan adds the plan file's phase to the default plan and records it", () => {
    const r = plugrig(['run', '--plan', 'test/plan/fixtures/good.ts', '--virtual-time', '--json']);
    expect(r.err).toContain('on sim: hello → link');
    const record = JSON.parse(r.out) as { outcome: string; planName?: string; planFile?: string; phases: { name: string; outcome: string }[] };
    expect(record).toMatchObject({ outcome: 'PASS', planName: 'good ts', planFile: 'test/plan/fixtures/good.ts' });
    expect(record.phases[0]).toMatchObject({ name: 'hello', outcome: 'PASS' });
    expect(r.code).toBe(0);
  }, 120_000);

  test('a bad plan file stops the run before it starts, in one line', () => {
    const r = plugrig(['run', '--plan', 'test/plan/fixtures/bad-phase-name.ts', '--virtual-time']);
    expect(r.code).toBe(1);
    expect(r.err.trim()).toMatch(
      /^E_PLAN_INVALID: test\/plan\/fixtures\/bad-phase-name\.ts:4:\d+: after: no phase named "realy" in the plan — did you mean "relay"\?/,
    );
    expect(r.err.trim().split('\n')).toHaveLength(1);
  }, 120_000);
});

describe('examples/ on the simulated rig (needs the rig resources: t.device, t.fixture, t.power, t.flash)', () => {
  test.each([['power-on-state.ts'], ['endurance.ts']])(
    '%s: PASS',
    (file) => {
      const r = plugrig(['run', '--plan', `examples/${file}`, '--virtual-time']);
      expect(r.err).toBe('');
      expect(r.out).toMatch(/run PASS/);
      expect(r.code).toBe(0);
    },
    180_000,
  );
});

describe('t.flash through a plan file', () => {
  test('upgrade-keeps-config.ts: PASS, measuring what --diff rewrote, the roles, the calibration and the build', () => {
    const r = plugrig(['run', '--plan', 'examples/upgrade-keeps-config.ts', '--virtual-time', '--json']);
    const record = JSON.parse(r.out) as {
      outcome: string;
      phases: { name: string; outcome: string; measurements: { name: string; value: unknown; note?: string }[] }[];
    };
    const upgrade = record.phases.find((p) => p.name === 'upgrade-keeps-config');
    const m = Object.fromEntries((upgrade?.measurements ?? []).map((x) => [x.name, x]));
    expect(upgrade?.outcome).toBe('PASS');
    // Build B differs from A in the one sector holding the version tag: --diff rewrites that one.
    expect(m.sectors_rewritten?.value).toBe(1);
    expect(m.uncalibrated_error_pct?.value as number).toBeGreaterThan(5);
    expect(m.build_changed?.note).toMatch(/version 1\.0\.0-plugrig → .*version 1\.0\.1-plugrig$/);
    expect(m).toMatchObject({ roles_kept: { value: true }, calibration_kept: { value: true } });
    expect(record.outcome).toBe('PASS');
    expect(r.code).toBe(0);
  }, 180_000);

  test('upgrade-keeps-config.ts FAILs when build B wipes the config sector: roles and calibration lost', () => {
    const dir = mkdtempSync(join(tmpdir(), 'plugrig-wipe-'));
    try {
      // Build B = A with a new tag, padded with 0xFF over the simulated firmware's config sector (0x1D1000).
      const b = Buffer.alloc(0x1d2000, 0xff);
      generateTestImage({ version: '1.0.1-plugrig' }).copy(b, 0);
      const file = join(dir, 'OpenBK7231N_QIO_wipe.bin');
      writeFileSync(file, b);
      const r = plugrig(['run', '--plan', 'examples/upgrade-keeps-config.ts', '--virtual-time', '--json'], { PLUGRIG_BUILD_B: file });
      const record = JSON.parse(r.out) as {
        outcome: string;
        phases: { name: string; outcome: string; measurements: { name: string; value: unknown; verdict: string }[] }[];
      };
      const upgrade = record.phases.find((p) => p.name === 'upgrade-keeps-config');
      const m = Object.fromEntries((upgrade?.measurements ?? []).map((x) => [x.name, x]));
      expect(m).toMatchObject({
        roles_kept: { value: false, verdict: 'FAIL' },
        calibration_kept: { value: false, verdict: 'FAIL' },
        build_changed: { value: true, verdict: 'PASS' },
        sectors_rewritten: { verdict: 'FAIL' },
      });
      expect(record.outcome).toBe('FAIL');
      expect(r.code).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  test('a file that is not an image is refused before the chip is touched, in one line naming it', () => {
    const r = plugrig(['run', '--plan', 'test/plan/fixtures/flash-not-image.ts', '--virtual-time', '--json']);
    const record = JSON.parse(r.out) as { outcome: string; phases: { name: string; outcome: string; error?: { message: string } }[] };
    expect(r.code).toBe(1);
    expect(record.phases[0]).toMatchObject({ name: 'upgrade', outcome: 'FAIL' });
    const message = record.phases[0]!.error!.message;
    expect(message).toBe('E_FLASH_IMAGE: package.json is not a BK7231 firmware image (no OpenBK7231N/T build tag in it, no _QIO_/_UA_ in its name)');
    expect(r.err).not.toMatch(/link|at .*\.js:\d+/);
  }, 120_000);
});
