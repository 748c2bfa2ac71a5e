/**
 * The provisioning file: what a factory writes into each unit after the template (docs/provisioning.md).
 *
 *   { "wifi": { "ssid": "line-net", "password": { "env": "LINE_WIFI_PASS" } },
 *     "mqtt": { "host": "10.0.0.2", "port": 1883, "user": "plug", "password": "…", "topic": "plugs/{mac6}" },
 *     "name": "plug-{mac6}", "commands": ["PowerOnState 0"] }
 *
 * `{mac}` (12 lower-case hex digits) and `{mac6}` (the last 6) are filled in per unit. A password
 * may be given inline or as `{ "env": "NAME" }`, read from the environment when the file is loaded,
 * so the file itself need not hold it. Every mistake is one line naming the file and the key.
 */
import { PlugrigError } from '../core/errors.js';
import { readJsonFile } from '../core/json-file.js';
import { MIN_SECRET_LENGTH, Redactor, type Secret } from '../core/redact.js';

export interface Provisioning {
  /** The file it came from, for messages. */
  source: string;
  wifi?: { ssid: string; password?: string };
  mqtt?: { host: string; port: number; user?: string; password?: string; topic?: string };
  /** Device (short) name pattern. */
  name?: string;
  commands: string[];
  /** The passwords, by key ("wifi.password", "mqtt.password"): what the run must never show. */
  secrets: Secret[];
}

/** The values for one unit: the patterns with its MAC filled in. */
export type UnitProvisioning = Omit<Provisioning, 'source' | 'secrets'>;

const CODE = 'E_PROVISION_FILE';
const PLACEHOLDER = /\{([^}]*)\}/g;

/** A control character (which would end or split a console command). */
function hasControl(v: string): boolean {
  for (let i = 0; i < v.length; i++) if (v.charCodeAt(i) < 0x20 || v.charCodeAt(i) === 0x7f) return true;
  return false;
}
const KNOWN = new Set(['mac', 'mac6']);

function bad(source: string, key: string, what: string, hint: string): PlugrigError {
  return new PlugrigError(CODE, `${source}: ${key}: ${what}`, hint);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function onlyKeys(source: string, where: string, o: Record<string, unknown>, allowed: string[]): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) throw bad(source, where ? `${where}.${k}` : k, 'unknown key', `allowed${where ? ` in ${where}` : ''}: ${allowed.join(', ')}`);
  }
}

/**
 * A text value OpenBeken's console can carry: its tokenizer groups a quoted argument but has no
 * escape for a double quote, and a control character would end the command.
 */
function text(source: string, key: string, v: unknown, opts: { pattern?: boolean; optional?: boolean } = {}): string | undefined {
  if (v === undefined && opts.optional) return undefined;
  if (typeof v !== 'string' || v === '')
    throw bad(source, key, `must be a non-empty string, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`, 'e.g. "line-net"');
  if (v.includes('"') || hasControl(v))
    throw bad(source, key, 'contains a double quote or a control character', "OpenBeken's console cannot carry them in a quoted argument");
  if (opts.pattern) {
    for (const m of v.matchAll(PLACEHOLDER)) {
      if (!KNOWN.has(m[1]!)) throw bad(source, key, `unknown placeholder {${m[1]}}`, 'use {mac} (12 hex digits) or {mac6} (the last 6)');
    }
  } else if (/[{}]/.test(v)) {
    throw bad(source, key, 'placeholders are not allowed here', '{mac} and {mac6} work in mqtt.topic, name and commands');
  }
  return v;
}

/** A password: inline, or `{ "env": "NAME" }` from the environment. Never echoed in a message. */
function secret(source: string, key: string, v: unknown, env: NodeJS.ProcessEnv): string | undefined {
  if (v === undefined) return undefined;
  let value: unknown = v;
  if (isObject(v)) {
    onlyKeys(source, key, v, ['env']);
    if (typeof v.env !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(v.env))
      throw bad(source, `${key}.env`, 'must name an environment variable', 'e.g. { "env": "LINE_WIFI_PASS" }');
    value = env[v.env];
    if (value === undefined || value === '') throw bad(source, key, `the environment variable ${v.env} is not set`, `export ${v.env}=… before running plugrig`);
  }
  if (typeof value !== 'string') throw bad(source, key, 'must be a string or { "env": "NAME" }', 'e.g. "password": { "env": "LINE_WIFI_PASS" }');
  if (value.includes('"') || hasControl(value))
    throw bad(source, key, 'contains a double quote or a control character', "OpenBeken's console cannot carry them");
  // A very short value cannot be scrubbed from output without scrubbing ordinary text too.
  if (value.length < MIN_SECRET_LENGTH) throw bad(source, key, `is shorter than ${MIN_SECRET_LENGTH} characters`, 'use a real password');
  return value;
}

/** Validates parsed JSON as a provisioning file. `env` gives `{ "env": … }` values (default process.env). */
export function parseProvisioning(raw: unknown, source: string, env: NodeJS.ProcessEnv = process.env): Provisioning {
  if (!isObject(raw)) throw bad(source, '$', 'must be a JSON object', '{ "wifi": { "ssid": …, "password": … }, "mqtt": { … }, "name": "plug-{mac6}" }');
  onlyKeys(source, '', raw, ['wifi', 'mqtt', 'name', 'commands', 'description']);
  const secrets: Secret[] = [];
  const out: Provisioning = { source, commands: [], secrets };
  if (raw.wifi !== undefined) {
    if (!isObject(raw.wifi)) throw bad(source, 'wifi', 'must be an object', '{ "ssid": "line-net", "password": { "env": "LINE_WIFI_PASS" } }');
    onlyKeys(source, 'wifi', raw.wifi, ['ssid', 'password']);
    const ssid = text(source, 'wifi.ssid', raw.wifi.ssid)!;
    const password = secret(source, 'wifi.password', raw.wifi.password, env);
    if (password !== undefined) secrets.push({ key: 'wifi.password', value: password });
    out.wifi = { ssid, ...(password !== undefined ? { password } : {}) };
  }
  if (raw.mqtt !== undefined) {
    if (!isObject(raw.mqtt)) throw bad(source, 'mqtt', 'must be an object', '{ "host": "10.0.0.2", "user": "plug", "password": …, "topic": "plugs/{mac6}" }');
    onlyKeys(source, 'mqtt', raw.mqtt, ['host', 'port', 'user', 'password', 'topic']);
    const host = text(source, 'mqtt.host', raw.mqtt.host)!;
    if (/\s/.test(host)) throw bad(source, 'mqtt.host', 'contains a space', 'a host name or an IP address');
    const port = raw.mqtt.port ?? 1883;
    if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535)
      throw bad(source, 'mqtt.port', `must be a port number, got ${JSON.stringify(port)}`, 'e.g. 1883');
    // OpenBeken sets the port only on its web form (/cfg_mqtt_set); no console command exists.
    if (port !== 1883)
      throw bad(
        source,
        'mqtt.port',
        `${port}: OpenBeken has no console command for the MQTT port`,
        'leave it at 1883 (the default), or set it on the web page after provisioning',
      );
    const user = text(source, 'mqtt.user', raw.mqtt.user, { optional: true });
    const password = secret(source, 'mqtt.password', raw.mqtt.password, env);
    if (password !== undefined) secrets.push({ key: 'mqtt.password', value: password });
    const topic = text(source, 'mqtt.topic', raw.mqtt.topic, { optional: true, pattern: true });
    out.mqtt = { host, port, ...(user ? { user } : {}), ...(password !== undefined ? { password } : {}), ...(topic ? { topic } : {}) };
  }
  if (raw.name !== undefined) out.name = text(source, 'name', raw.name, { pattern: true })!;
  if (raw.commands !== undefined) {
    if (!Array.isArray(raw.commands)) throw bad(source, 'commands', 'must be an array of console commands', 'e.g. ["PowerOnState 0"]');
    raw.commands.forEach((c, i) => {
      if (typeof c !== 'string' || c.trim() === '') throw bad(source, `commands[${i}]`, 'must be a non-empty string', 'e.g. "PowerOnState 0"');
      if (hasControl(c)) throw bad(source, `commands[${i}]`, 'contains a control character', 'one console command per item');
      for (const m of c.matchAll(PLACEHOLDER)) {
        if (!KNOWN.has(m[1]!)) throw bad(source, `commands[${i}]`, `unknown placeholder {${m[1]}}`, 'use {mac} or {mac6}');
      }
      out.commands.push(c.trim());
    });
  }
  if (!out.wifi && !out.mqtt && out.name === undefined && !out.commands.length)
    throw bad(source, '$', 'provisions nothing', 'give at least one of wifi, mqtt, name, commands');
  return out;
}

/** Reads and validates a provisioning file (JSON errors as file:line:col). */
export async function loadProvisioningFile(path: string, env: NodeJS.ProcessEnv = process.env): Promise<Provisioning> {
  const raw = await readJsonFile(path, {
    what: 'provisioning file',
    code: CODE,
    missingHint: 'give the path of a JSON provisioning file (docs/provisioning.md)',
  });
  return parseProvisioning(raw, path, env);
}

/** The redactor that knows this file's secrets. */
export function provisioningRedactor(p: Provisioning | undefined): Redactor | undefined {
  return p?.secrets.length ? new Redactor(p.secrets) : undefined;
}

/** The patterns filled in for one unit; `mac` is 12 hex digits (any case, separators allowed). */
export function forUnit(p: Provisioning, mac: string): UnitProvisioning {
  const hex = mac.replace(/[^0-9a-f]/gi, '').toLowerCase();
  if (hex.length !== 12) throw new PlugrigError('E_PROVISION', `cannot fill in {mac}: the unit reported MAC ${JSON.stringify(mac)}`, 'is this OpenBeken?');
  const fill = (s: string) => s.replace(PLACEHOLDER, (_, k: string) => (k === 'mac' ? hex : hex.slice(6)));
  return {
    ...(p.wifi ? { wifi: { ...p.wifi } } : {}),
    ...(p.mqtt ? { mqtt: { ...p.mqtt, ...(p.mqtt.topic ? { topic: fill(p.mqtt.topic) } : {}) } } : {}),
    ...(p.name !== undefined ? { name: fill(p.name) } : {}),
    commands: p.commands.map(fill),
  };
}
