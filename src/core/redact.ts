/**
 * The run's secrets and the one place that scrubs them. A secret (a provisioning file's Wi-Fi or
 * MQTT password) is replaced by `<redacted:KEY>` wherever it appears in a string: as written, and
 * in the forms it takes on its way to the device and back (URL-encoded in `/cm?cmnd=…`, form-encoded,
 * JSON-escaped). The runner's emitter passes every event through `redactDeep` before any sink (the
 * record, the stream, JUnit, the console) sees it, so a device reply, a firmware log line or an
 * error message that echoes a password carries its key name instead.
 */

export interface Secret {
  /** Where the value came from, e.g. "wifi.password": kept in the replacement. */
  key: string;
  value: string;
}

/** Shorter values would scrub ordinary words and digits; a provisioning loader refuses them. */
export const MIN_SECRET_LENGTH = 4;

export class Redactor {
  /** Each form of each secret, longest first (so a secret containing another is replaced whole). */
  private readonly forms: { text: string; replacement: string }[];

  constructor(secrets: readonly Secret[]) {
    const forms = new Map<string, string>();
    for (const s of secrets) {
      if (s.value.length < MIN_SECRET_LENGTH) continue;
      const replacement = `<redacted:${s.key}>`;
      for (const f of encodings(s.value)) if (!forms.has(f)) forms.set(f, replacement);
    }
    this.forms = [...forms].map(([text, replacement]) => ({ text, replacement })).sort((a, b) => b.text.length - a.text.length);
  }

  get empty(): boolean {
    return this.forms.length === 0;
  }

  /** The text with every secret replaced. */
  text(s: string): string {
    let out = s;
    for (const f of this.forms) if (out.includes(f.text)) out = out.split(f.text).join(f.replacement);
    return out;
  }

  /**
   * A copy of `v` with every string (values and keys) scrubbed; the original is not changed.
   * Plain data only (events are): objects, arrays, primitives; an Error becomes its fields. Depth
   * is bounded so a cyclic value cannot loop.
   */
  deep<T>(v: T): T {
    if (this.empty) return v;
    return this.walk(v, 0) as T;
  }

  private walk(v: unknown, depth: number): unknown {
    if (typeof v === 'string') return this.text(v);
    if (v === null || typeof v !== 'object' || depth > 64) return v;
    if (Array.isArray(v)) return v.map((x) => this.walk(x, depth + 1));
    if (v instanceof Uint8Array || v instanceof Date) return v;
    const out: Record<string, unknown> = {};
    const src = v instanceof Error ? { name: v.name, message: v.message, ...(v as unknown as Record<string, unknown>) } : (v as Record<string, unknown>);
    for (const [k, x] of Object.entries(src)) out[this.text(k)] = this.walk(x, depth + 1);
    return out;
  }
}

/** The forms a value takes in a URL, a form body and a JSON string. */
function encodings(value: string): string[] {
  const json = JSON.stringify(value).slice(1, -1);
  const url = encodeURIComponent(value);
  const form = new URLSearchParams({ v: value }).toString().slice(2);
  // A URL's lower-case percent escapes (some clients, some logs).
  const urlLower = url.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
  return [...new Set([value, json, url, form, urlLower])];
}

/** A redactor that changes nothing (no secrets in this run). */
export const noRedaction = new Redactor([]);
