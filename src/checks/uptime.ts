import { sleep, type Clock } from '../core/clock.js';
import { PlugrigError } from '../core/errors.js';
import type { DeviceApi, DeviceInfo } from '../core/resources.js';

/**
 * Waits until the device has been up at least `minS` seconds (OpenBeken: a double-click in the
 * first 5 s erases the Wi-Fi settings, and the AP fast blink starts only ~5 s after boot).
 * Bounded: gives up after `maxWaitS` with E_DEVICE_UPTIME.
 */
export async function waitForUptime(
  client: Pick<DeviceApi, 'info'>,
  minS: number,
  at: { signal: AbortSignal; clock: Clock },
  maxWaitS = minS + 10,
): Promise<DeviceInfo> {
  const { signal, clock } = at;
  const started = clock.now();
  for (let i = 0; i < 50; i++) {
    const info = await client.info({ signal });
    if (info.uptimeS >= minS) return info;
    if ((clock.now() - started) / 1000 > maxWaitS) break;
    await sleep(clock, Math.min(2000, (minS - info.uptimeS) * 1000 + 100), signal, 'waiting for device uptime');
  }
  throw new PlugrigError(
    'E_DEVICE_UPTIME',
    `device uptime did not reach ${minS} s within ${maxWaitS} s`,
    'the device keeps restarting? check its supply and the log on TX2',
  );
}
