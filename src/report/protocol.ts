/**
 * The WebSocket protocol of `plugrig serve` (docs/websocket-protocol.md): message shapes and the
 * validation of everything a client sends (pure). Anything that does not validate gets an error
 * reply with one of the codes below; nothing a client sends can throw inside the server.
 */
import type { RunEvent } from '../core/run-types.js';
import type { SlotView } from './slot-view.js';

export const PROTOCOL_VERSION = 1;

/** A slot name, or "*" for all slots. */
const SLOT_RE = /^(\*|[A-Za-z0-9_.-]{1,64})$/;

export type RequestId = string | number;

export type ClientMessage =
  | { type: 'subscribe'; slot: string; since?: number; id?: RequestId }
  | { type: 'unsubscribe'; id?: RequestId }
  | { type: 'watch'; id?: RequestId }
  | { type: 'start'; slot: string; token: string; id?: RequestId }
  | { type: 'abort'; slot: string; token: string; id?: RequestId }
  /** Checks a control token without acting, so a page can warn about a wrong one before any Start. */
  | { type: 'auth'; token: string; id?: RequestId }
  | { type: 'ping'; id?: RequestId };

export interface Counters {
  /** Local date the counters are for, YYYY-MM-DD. */
  day: string;
  passed: number;
  /** FAIL and ERROR. */
  failed: number;
}

export type ServerMessage =
  | { type: 'hello'; protocol: number; slots: string[]; head: number; control: boolean }
  | { type: 'subscribed'; slot: string; since: number | null; head: number; id?: RequestId }
  | { type: 'unsubscribed'; id?: RequestId }
  | { type: 'event'; seq: number; event: RunEvent }
  | { type: 'slots'; slots: SlotView[]; counters: Counters; id?: RequestId }
  | { type: 'slot'; view: SlotView }
  | { type: 'counters'; counters: Counters }
  | { type: 'started'; slot: string; runId: string; id?: RequestId }
  | { type: 'aborting'; slot: string; id?: RequestId }
  | { type: 'pong'; id?: RequestId }
  | { type: 'authorized'; id?: RequestId }
  | { type: 'error'; code: ErrorCode; message: string; id?: RequestId };

export type ErrorCode =
  | 'E_WS_TOO_LARGE'
  | 'E_WS_BINARY'
  | 'E_WS_BAD_JSON'
  | 'E_WS_BAD_MESSAGE'
  | 'E_WS_UNKNOWN_TYPE'
  | 'E_WS_UNAUTHORIZED'
  | 'E_WS_CONTROL_DISABLED'
  | 'E_WS_RATE_LIMITED'
  | 'E_SLOT_UNKNOWN'
  | 'E_SLOT_BUSY'
  | 'E_SLOT_IDLE'
  | 'E_INTERNAL';

export type ParseResult = { ok: true; msg: ClientMessage } | { ok: false; code: ErrorCode; message: string; id?: RequestId };

function fail(code: ErrorCode, message: string, id?: RequestId): ParseResult {
  return { ok: false, code, message, ...(id !== undefined ? { id } : {}) };
}

/** Validates one incoming frame. `maxBytes` is the largest message answered normally. */
export function parseClientMessage(data: Buffer | string, isBinary: boolean, maxBytes: number): ParseResult {
  const size = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
  if (size > maxBytes) return fail('E_WS_TOO_LARGE', `message of ${size} bytes is over the ${maxBytes}-byte limit`);
  if (isBinary) return fail('E_WS_BINARY', 'binary frames are not understood; send JSON text');
  let v: unknown;
  try {
    v = JSON.parse(typeof data === 'string' ? data : data.toString('utf8'));
  } catch {
    return fail('E_WS_BAD_JSON', 'message is not valid JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail('E_WS_BAD_MESSAGE', 'message must be a JSON object with a "type"');
  const o = v as Record<string, unknown>;
  const id = typeof o.id === 'string' || typeof o.id === 'number' ? (o.id as RequestId) : undefined;
  if (o.id !== undefined && (id === undefined || (typeof id === 'string' && id.length > 64))) {
    return fail('E_WS_BAD_MESSAGE', '"id" must be a number or a string of at most 64 characters');
  }
  const withId = <T extends object>(m: T) => (id !== undefined ? { ...m, id } : m);
  const slotOf = (): string | ParseResult => {
    if (typeof o.slot !== 'string' || !SLOT_RE.test(o.slot)) {
      return fail('E_WS_BAD_MESSAGE', '"slot" must be "*" or a slot name (letters, digits, _ . -, up to 64)', id);
    }
    return o.slot;
  };
  switch (o.type) {
    case 'subscribe': {
      const slot = slotOf();
      if (typeof slot !== 'string') return slot;
      if (o.since !== undefined && (typeof o.since !== 'number' || !Number.isSafeInteger(o.since) || o.since < 0)) {
        return fail('E_WS_BAD_MESSAGE', '"since" must be a non-negative integer (a stream seq)', id);
      }
      return { ok: true, msg: withId({ type: 'subscribe', slot, ...(typeof o.since === 'number' ? { since: o.since } : {}) }) };
    }
    case 'unsubscribe':
    case 'watch':
    case 'ping':
      return { ok: true, msg: withId({ type: o.type }) };
    case 'auth':
      if (typeof o.token !== 'string' || o.token.length === 0 || o.token.length > 256) {
        return fail('E_WS_UNAUTHORIZED', '"auth" needs the control "token" given to plugrig serve', id);
      }
      return { ok: true, msg: withId({ type: 'auth', token: o.token }) };
    case 'start':
    case 'abort': {
      const slot = slotOf();
      if (typeof slot !== 'string') return slot;
      if (typeof o.token !== 'string' || o.token.length === 0 || o.token.length > 256) {
        return fail('E_WS_UNAUTHORIZED', `"${o.type}" needs the control "token" given to plugrig serve`, id);
      }
      return { ok: true, msg: withId({ type: o.type, slot, token: o.token }) };
    }
    default:
      return fail('E_WS_UNKNOWN_TYPE', typeof o.type === 'string' ? `unknown message type "${o.type.slice(0, 40)}"` : 'message has no "type"', id);
  }
}

/** Local calendar day, YYYY-MM-DD. */
export function localDay(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

export function startOfLocalDay(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}
