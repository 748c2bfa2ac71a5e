/**
 * Provision: write a provisioning file's values into the unit (Wi-Fi, MQTT, device name, extra
 * commands) and confirm them by reading back what OpenBeken reports (docs/openbeken-behaviour.md
 * §10): the SSID from STATUS 11, the MQTT host:port, topic and short name from /api/info. The
 * passwords and the MQTT user are not readable back; the phase records that each was sent.
 *
 * No restart: OpenBeken stores the values at once and uses them at its next boot, when it leaves
 * the open access point for the customer's network and the rig can no longer reach it. That is
 * why the default plan provisions last, after the checks that need the AP (the Wi-Fi LED's fast
 * blink). On the public plan API (t.device).
 */
import { PlugrigError } from '../core/errors.js';
import { forUnit, type Provisioning, type UnitProvisioning } from '../device/provisioning.js';
import { phase } from '../plan/phase.js';
import type { PlanContext, PlanPhase } from '../plan/types.js';

/**
 * OpenBeken's config field sizes less the terminating NUL (mainConfig_t, src/new_cfg.h): a longer
 * value is cut silently (strcpy_safe). The Wi-Fi password field is copied whole, 64 bytes.
 */
export const OBK_LIMITS = { ssid: 63, wifiPassword: 64, mqttHost: 255, mqttTopic: 63, mqttUser: 63, mqttPassword: 127, name: 31 } as const;

interface Step {
  /** The provisioning key, the only thing a message may name for a secret. */
  key: string;
  command: string;
  secret: boolean;
  /** Set commands are idempotent (a repeat writes the same value); extra commands may not be. */
  idempotent: boolean;
}

/** Quoted when it holds a space: OpenBeken's tokenizer groups a quoted argument. */
function arg(v: string): string {
  return /\s/.test(v) ? `"${v}"` : v;
}

function steps(u: UnitProvisioning): Step[] {
  const out: Step[] = [];
  const set = (key: string, command: string, secret = false) => out.push({ key, command, secret, idempotent: true });
  if (u.wifi) {
    set('wifi.ssid', `SSID1 ${arg(u.wifi.ssid)}`);
    if (u.wifi.password !== undefined) set('wifi.password', `Password1 ${arg(u.wifi.password)}`, true);
  }
  if (u.mqtt) {
    set('mqtt.host', `MqttHost ${u.mqtt.host}`);
    if (u.mqtt.user !== undefined) set('mqtt.user', `MqttUser ${arg(u.mqtt.user)}`);
    if (u.mqtt.password !== undefined) set('mqtt.password', `MqttPassword ${arg(u.mqtt.password)}`, true);
    if (u.mqtt.topic !== undefined) set('mqtt.topic', `MqttClient ${arg(u.mqtt.topic)}`);
  }
  if (u.name !== undefined) set('name', `ShortName ${arg(u.name)}`);
  u.commands.forEach((c, i) => {
    out.push({ key: `commands[${i}]`, command: c, secret: false, idempotent: false });
  });
  return out;
}

/** Values OpenBeken would cut, checked before anything is sent: a unit is never half-provisioned with a cut password. */
function tooLong(u: UnitProvisioning): string | undefined {
  const checks: [string, string | undefined, number][] = [
    ['wifi.password', u.wifi?.password, OBK_LIMITS.wifiPassword],
    ['mqtt.password', u.mqtt?.password, OBK_LIMITS.mqttPassword],
    ['mqtt.user', u.mqtt?.user, OBK_LIMITS.mqttUser],
  ];
  for (const [key, v, max] of checks) {
    if (v !== undefined && Buffer.byteLength(v) > max)
      return `${key} is ${Buffer.byteLength(v)} bytes; OpenBeken keeps at most ${max} and would cut it silently`;
  }
  return undefined;
}

async function send(t: PlanContext, s: Step): Promise<void> {
  try {
    await t.device.cmnd(s.command, { signal: t.signal, ...(s.idempotent ? {} : { retries: 0 }) });
  } catch (e) {
    if (t.signal.aborted) throw e;
    // The client's message holds the request URL, and with it the value: name the key only.
    const code = e instanceof PlugrigError ? e.code : 'E_PROVISION';
    throw new PlugrigError('E_PROVISION', `setting ${s.key} failed (${code})`, 'is the unit still on the rig and serving HTTP?');
  }
}

/** STATUS 11's Wifi.SSId: the SSID in the unit's config. */
async function readSsid(t: PlanContext): Promise<string | null> {
  const st = (await t.device.status(11, { signal: t.signal })) as { StatusSTS?: { Wifi?: { SSId?: unknown } } } | undefined;
  const v = st?.StatusSTS?.Wifi?.SSId;
  return typeof v === 'string' ? v : null;
}

function cutNote(key: string, sent: string, max: number): { note: string } | Record<string, never> {
  return sent.length > max ? { note: `${key} has ${sent.length} characters; OpenBeken keeps at most ${max}` } : {};
}

export function provisionPhase(cfg: { name?: string; provisioning: Provisioning }): PlanPhase {
  const p = cfg.provisioning;
  return phase(cfg.name ?? 'provision', { timeoutMs: 30_000 }, async (t) => {
    const before = await t.device.info({ signal: t.signal });
    const u = forUnit(p, before.mac);
    const why = tooLong(u);
    if (why) throw new PlugrigError('E_PROVISION', `cannot provision: ${why}`, `shorten it in ${p.source}`);
    const all = steps(u);
    for (const s of all) {
      await send(t, s);
      t.note(s.secret ? `set ${s.key} (value not shown)` : `sent ${s.command}`, 'debug');
    }

    // Read back what the firmware reports.
    const info = await t.device.info({ signal: t.signal });
    if (u.wifi) {
      t.measure('wifi_ssid', await readSsid(t), { limits: { equals: u.wifi.ssid }, ...cutNote('wifi.ssid', u.wifi.ssid, OBK_LIMITS.ssid) });
      if (u.wifi.password !== undefined) t.measure('wifi_password_set', true, { limits: { equals: true }, note: 'sent; OpenBeken does not report it back' });
    }
    if (u.mqtt) {
      const hostPort = `${u.mqtt.host}:${u.mqtt.port}`;
      t.measure('mqtt_host', info.mqttHost ?? null, { limits: { equals: hostPort }, ...cutNote('mqtt.host', u.mqtt.host, OBK_LIMITS.mqttHost) });
      if (u.mqtt.topic !== undefined)
        t.measure('mqtt_topic', info.mqttTopic ?? null, { limits: { equals: u.mqtt.topic }, ...cutNote('mqtt.topic', u.mqtt.topic, OBK_LIMITS.mqttTopic) });
      if (u.mqtt.user !== undefined) t.measure('mqtt_user_set', true, { limits: { equals: true }, note: 'sent; OpenBeken does not report it back' });
      if (u.mqtt.password !== undefined) t.measure('mqtt_password_set', true, { limits: { equals: true }, note: 'sent; OpenBeken does not report it back' });
    }
    if (u.name !== undefined) t.measure('device_name', info.shortName ?? null, { limits: { equals: u.name }, ...cutNote('name', u.name, OBK_LIMITS.name) });
    if (u.commands.length) t.measure('commands_sent', u.commands.length, { limits: { equals: u.commands.length } });
  });
}
