/**
 * `plugrig run --virtual-time --provision f.json --junit x.xml --store d` through the compiled CLI
 * (npm test builds dist/ first; alone: npm run build), with a plan that echoes the Wi-Fi password
 * on every path it can: the test password is in no output and no stored file; its key name is.
 */
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const WIFI_PASS = 'Tst-P@ss w0rd!7';
const MQTT_PASS = 'mq-Secr3t/pass';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('plugrig run --provision (compiled CLI)', () => {
  test('the test passwords appear in no output and no stored file; the key names do', () => {
    const dir = mkdtempSync(join(tmpdir(), 'plugrig-prov-cli-'));
    try {
      const prov = join(dir, 'line.provision.json');
      writeFileSync(
        prov,
        JSON.stringify({
          wifi: { ssid: 'line-net', password: { env: 'PLUGRIG_TEST_WIFI_PASS' } },
          mqtt: { host: '10.0.0.2', user: 'plug', password: MQTT_PASS, topic: 'plugs/{mac6}' },
          name: 'plug-{mac6}',
        }),
      );
      const store = join(dir, 'store');
      const junit = join(dir, 'x.xml');
      const env: NodeJS.ProcessEnv = { ...process.env, PLUGRIG_TEST_WIFI_PASS: WIFI_PASS };
      delete env.NODE_OPTIONS; // jest's flags are not part of a user's run
      const args = ['run', '--virtual-time', '--provision', prov, '--plan', 'test/checks/fixtures/leaky-plan.mjs', '--junit', junit, '--store', store];
      const r = spawnSync(process.execPath, [join(root, 'bin', 'plugrig.js'), ...args, '--verbose'], { cwd: root, env, encoding: 'utf8', timeout: 150_000 });
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/provision PASS/);
      expect(r.stdout).toMatch(/leak PASS/);
      expect(r.status).toBe(0);

      const outputs: [string, Buffer][] = [
        ['stdout', Buffer.from(r.stdout)],
        ['stderr', Buffer.from(r.stderr)],
        [junit, readFileSync(junit)],
        ...filesUnder(store).map((f): [string, Buffer] => [f, readFileSync(f)]),
      ];
      expect(outputs.length).toBeGreaterThan(3);
      const forms = [WIFI_PASS, encodeURIComponent(WIFI_PASS), MQTT_PASS, encodeURIComponent(MQTT_PASS)];
      const leaks = outputs.flatMap(([name, data]) => forms.filter((f) => data.includes(f)).map((f) => `${name}: ${f}`));
      expect(leaks).toEqual([]);
      // Redacted, not dropped: the key name stands where the value was.
      expect(r.stdout).toContain('<redacted:wifi.password>');
      expect(readFileSync(junit, 'utf8')).toContain('&lt;redacted:wifi.password&gt;');
      expect(filesUnder(store).some((f) => readFileSync(f, 'utf8').includes('<redacted:wifi.password>'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
