/**
 * plugrig records [--mac …] [--since …] [--outcome …] [--slot …] [--limit n] [--json] [--store <dir>]
 * Queries the record store read-only, so it works beside a running `plugrig serve`.
 */
import { PlugrigError } from '../../core/errors.js';
import { formatDuration, formatMac } from '../../report/console.js';
import { firstFailure, type RunRecord } from '../../core/record.js';
import { openFileStore } from '../../report/store/file-store.js';
import { storeDirOption } from '../store-option.js';
import { normalizeMac, parseSince } from '../../report/store/query.js';
import type { RecordQuery } from '../../report/store/types.js';
import { flag, numberOption, stringOption } from '../args.js';
import { type Column, textTable } from '../table.js';
import type { Command } from '../command.js';

const OUTCOMES = ['PASS', 'FAIL', 'ERROR', 'ABORTED', 'UNFINISHED', 'RUNNING'] as const;

function localStamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function why(r: RunRecord): string {
  if (r.status === 'unfinished') return 'cut off mid-run';
  const f = firstFailure(r);
  if (f?.measurement) return `${f.phase.name}: ${f.measurement.name}`;
  if (f) return `${f.phase.name}: ${f.phase.error?.code ?? 'error'}`;
  return r.outcome !== 'PASS' && r.error ? r.error.code : '';
}

export function recordsTable(records: RunRecord[]): string[] {
  const cols: Column<RunRecord>[] = [
    ['started', (r) => localStamp(r.startedAt)],
    ['slot', (r) => r.slot],
    ['outcome', (r) => (r.status === 'finished' ? (r.outcome ?? '?') : r.status.toUpperCase())],
    ['mac', (r) => formatMac(r.unit.mac) || '-'],
    ['chip', (r) => r.unit.chipId ?? '-'],
    ['flash', (r) => r.unit.flashId ?? '-'],
    ['firmware', (r) => r.firmware?.sha256.slice(0, 12) ?? '-'],
    ['time', (r) => formatDuration(r.durationMs) || '-'],
    ['why', why],
  ];
  return textTable(cols, records);
}

export const command: Command = {
  name: 'records',
  summary: 'query the stored test records',
  usage:
    'plugrig records [--mac <mac>] [--since <date|12h|7d|today>] [--outcome PASS|FAIL|ERROR|ABORTED|UNFINISHED] [--slot <s>] [--limit <n>] [--json] [--store <dir>]',
  options: {
    mac: { type: 'string' },
    since: { type: 'string' },
    outcome: { type: 'string' },
    slot: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
    store: { type: 'string' },
  },
  async run(args, io) {
    const q: RecordQuery = {};
    const mac = stringOption(args, 'mac');
    if (mac !== undefined) {
      const m = normalizeMac(mac);
      if (!m) throw new PlugrigError('E_USAGE', `--mac ${mac} is not a MAC address`, 'give 12 hex digits, with or without : separators');
      q.mac = m;
    }
    const since = stringOption(args, 'since');
    if (since !== undefined) {
      const t = parseSince(since);
      if (t === undefined) throw new PlugrigError('E_USAGE', `--since ${since} is not a date or an age`, 'e.g. 2026-11-29, 2026-11-29T08:00, today, 12h, 7d');
      q.since = t;
    }
    const outcome = stringOption(args, 'outcome');
    if (outcome !== undefined) {
      const o = outcome.toUpperCase();
      if (!(OUTCOMES as readonly string[]).includes(o))
        throw new PlugrigError('E_USAGE', `--outcome ${outcome} is not an outcome`, `one of ${OUTCOMES.join(', ')}`);
      q.outcome = o as RecordQuery['outcome'];
    }
    const slot = stringOption(args, 'slot');
    if (slot !== undefined) q.slot = slot;
    if (args.values.limit !== undefined) q.limit = numberOption(args, 'limit', 0, { min: 1, max: 1e9 });
    const dir = storeDirOption(args, io);
    const store = await openFileStore(dir, { mode: 'read' });
    try {
      const records = await store.records(q);
      if (flag(args, 'json')) {
        io.out.write(JSON.stringify(records, null, 2) + '\n');
      } else if (records.length === 0) {
        io.err.write(`no records match (store: ${dir})\n`);
      } else {
        io.out.write(recordsTable(records).join('\n') + '\n');
        io.err.write(`${records.length} record(s) in ${dir}\n`);
      }
      return 0;
    } finally {
      await store.close();
    }
  },
};
