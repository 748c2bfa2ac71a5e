/**
 * plugrig records [--mac …] [--since …] [--until …] [--outcome …] [--slot …] [--limit n] [--json|--ndjson|--csv] [--store <dir>]
 * plugrig records import <old-store-dir> [--store <dir>]
 * Queries the record store (<store dir>/records.sqlite) read-only, so it works beside a running
 * `plugrig serve`; --json, --ndjson and --csv stream from a cursor, so any size of answer works.
 * `import` brings a JSON-lines store of an older plugrig over, idempotently (by run id).
 */
import { PlugrigError } from '../../core/errors.js';
import { formatDuration, formatMac } from '../../report/console.js';
import { firstFailure, type RunRecord } from '../../core/record.js';
import { measuredAgainstLimits } from '../../report/plain-words.js';
import { openSqliteStore } from '../../report/store/sqlite-store.js';
import { hasJsonLinesStore, openDefaultStore, sqlitePath } from '../../report/store/default-store.js';
import { importJsonLinesStore } from '../../report/store/jsonl-import.js';
import { type RecordFormat, streamRecords } from '../record-output.js';
import { resolve } from 'node:path';
import { isPgUrl, openPgStore, redactUrl } from '../../report/store/pg-store.js';
import { storeDirOption } from '../store-option.js';
import { existsSync } from 'node:fs';
import { parseSince } from '../../report/store/query.js';
import { normalizeMacQuery } from '../../core/mac.js';
import type { RecordQuery } from '../../report/store/types.js';
import { flag, numberOption, stringOption } from '../args.js';
import { type Column, textTable } from '../table.js';
import type { Command, CommandIo, ParsedCommandArgs } from '../command.js';

// FAILED is FAIL or ERROR: what the operator page counts as "failed today".
const OUTCOMES = ['PASS', 'FAIL', 'ERROR', 'FAILED', 'ABORTED', 'UNFINISHED', 'RUNNING'] as const;

function localStamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function why(r: RunRecord): string {
  if (r.status === 'unfinished') return 'cut off mid-run';
  const f = firstFailure(r);
  if (f?.measurement) return `${f.phase.name}: ${measuredAgainstLimits(f.measurement)}`;
  if (f) return `${f.phase.name}: ${f.phase.error?.code ?? 'error'}`;
  return r.outcome !== 'PASS' && r.error ? r.error.code : '';
}

export function recordsTable(records: RunRecord[]): string[] {
  const cols: Column<RunRecord>[] = [
    ['started', (r) => localStamp(r.startedAt)],
    ['slot', (r) => r.slot],
    // A simulated run is never a real unit: say so on every row (records older than the field: "-").
    ['rig kind', (r) => (r.rigKind === 'pi' ? 'real' : r.rigKind === 'sim' ? 'SIM' : r.rigKind === 'model' ? 'SIM model' : '-')],
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

function dateOption(args: ParsedCommandArgs, name: 'since' | 'until'): number | undefined {
  const raw = stringOption(args, name);
  if (raw === undefined) return undefined;
  const t = parseSince(raw);
  if (t === undefined) throw new PlugrigError('E_USAGE', `--${name} ${raw} is not a date or an age`, 'e.g. 2026-11-29, 2026-11-29T08:00, today, 12h, 7d');
  return t;
}

function queryFrom(args: ParsedCommandArgs): RecordQuery {
  const q: RecordQuery = {};
  const mac = stringOption(args, 'mac');
  if (mac !== undefined) {
    const m = normalizeMacQuery(mac);
    if (!m)
      throw new PlugrigError(
        'E_USAGE',
        `--mac ${mac} is not a MAC address`,
        'give 12 hex digits or the last 3 bytes (6 digits), any separator: C8:47:8C:01:02:03, 01-02-03',
      );
    q.mac = m;
  }
  const since = dateOption(args, 'since');
  if (since !== undefined) q.since = since;
  const until = dateOption(args, 'until');
  if (until !== undefined) q.until = until;
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
  return q;
}

function formatFrom(args: ParsedCommandArgs): RecordFormat | undefined {
  const chosen = (['json', 'ndjson', 'csv'] as const).filter((f) => flag(args, f));
  if (chosen.length > 1) throw new PlugrigError('E_USAGE', `--${chosen.join(' and --')} together`, 'choose one output format');
  return chosen[0];
}

/** `plugrig records import <dir>`: the JSON-lines store in <dir> into the SQLite store. */
async function importCommand(args: ParsedCommandArgs, io: CommandIo): Promise<number> {
  const from = args.positionals[1];
  if (!from) throw new PlugrigError('E_USAGE', 'records import: which directory?', 'plugrig records import <old-store-dir> [--store <dir>]');
  const oldDir = resolve(io.cwd, from);
  if (!hasJsonLinesStore(oldDir))
    throw new PlugrigError('E_USAGE', `${oldDir} holds no JSON-lines store (events-*.jsonl, records-*.jsonl)`, 'name the old store directory');
  const into = sqlitePath(storeDirOption(args, io));
  const store = await openSqliteStore(into);
  try {
    const c = await importJsonLinesStore(oldDir, store);
    io.out.write(
      `imported ${c.runs + c.records} run(s) (${c.events} events${c.unfinished ? `, ${c.unfinished} unfinished` : ''}${c.records ? `, ${c.records} from records alone` : ''}); ` +
        `${c.skippedRuns} already there; ${c.badLines} unreadable line(s) skipped\n`,
    );
    io.err.write(`from ${oldDir} into ${into}\n`);
    return 0;
  } finally {
    await store.close();
  }
}

export const command: Command = {
  name: 'records',
  summary: 'query the stored test records; import an old JSON-lines store',
  usage:
    'plugrig records [--mac <mac>] [--since <date|12h|7d|today>] [--until <date>] [--outcome PASS|FAIL|ERROR|FAILED|ABORTED|UNFINISHED] [--slot <s>] [--limit <n>] ' +
    '[--json|--ndjson|--csv] [--store <dir>|postgres://…]\n' +
    '  plugrig records import <old-store-dir> [--store <dir>]   bring a JSON-lines store over (again is harmless)\n' +
    '  --csv: the shipment manifest, columns mac,firmware_sha256,outcome,started_at,finished_at,station,slot,run_id,calibration_outcome,calibration',
  options: {
    mac: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    outcome: { type: 'string' },
    slot: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
    ndjson: { type: 'boolean' },
    csv: { type: 'boolean' },
    store: { type: 'string' },
  },
  positionals: [0, 2],
  async run(args, io) {
    if (args.positionals[0] === 'import') return importCommand(args, io);
    if (args.positionals.length) throw new PlugrigError('E_USAGE', `records: unknown argument ${args.positionals[0]}`, `usage: ${command.usage}`);
    const q = queryFrom(args);
    const format = formatFrom(args);
    // The line's PostgreSQL store names each slot "<station>/<slot>"; --slot takes that form too.
    const given = stringOption(args, 'store');
    const pgUrl = given !== undefined && isPgUrl(given) ? given : undefined;
    const dir = pgUrl ? redactUrl(pgUrl) : storeDirOption(args, io);
    // A typo in --store must not read as "this unit was never tested".
    if (!pgUrl && given !== undefined && !existsSync(dir)) {
      throw new PlugrigError(
        'E_STORE_MISSING',
        `--store ${dir} does not exist`,
        'name the directory run/serve wrote to (it holds records.sqlite), or drop --store for the default',
      );
    }
    const store = pgUrl ? await openPgStore(pgUrl, { qualifySlots: true }) : await openDefaultStore(dir, { readOnly: true });
    try {
      if (format) {
        const n = await streamRecords(store.iterateRecords(q), format, io.out);
        if (io.err.isTTY) io.err.write(`${n} record(s) in ${dir}\n`);
        return 0;
      }
      const records = await store.records(q);
      if (records.length === 0) {
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
