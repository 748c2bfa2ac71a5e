/**
 * The SQLite store's schema, as an ordered list of migration steps. PRAGMA user_version holds the
 * number of steps applied; a writer applies the missing ones in one transaction on open, so a store
 * written by an older plugrig is brought forward and a half-applied migration cannot exist.
 * A store from a newer plugrig (user_version beyond this list) is refused rather than guessed at.
 *
 * Tables:
 *   events        every event, keyed by the global stream seq; the event itself as JSON in `body`
 *   runs          one row per run: the indexed columns queries filter on, and once the run is over
 *                 (finished, or found unfinished) its folded RunRecord as JSON, so a query never
 *                 reads events
 *   phases        one row per phase of an ended run (for reports over many runs: yields, durations)
 *   measurements  the last attempt's measurements of an ended run (manifests, calibration reports)
 *   backups       one flash backup per MAC: its manifest, whose sectors live once each, by content,
 *                 in the backup store's sector directory (backup-store.ts)
 */
import type { Database } from 'better-sqlite3';
import { PlugrigError } from '../../core/errors.js';

export interface Migration {
  /** user_version after this step. Steps are numbered 1, 2, 3... without gaps. */
  version: number;
  description: string;
  up(db: Database): void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'events, runs, phases, measurements',
    up(db) {
      db.exec(`
        CREATE TABLE events (
          seq    INTEGER PRIMARY KEY,
          run_id TEXT    NOT NULL,
          slot   TEXT    NOT NULL,
          type   TEXT    NOT NULL,
          t      INTEGER NOT NULL,
          body   TEXT    NOT NULL
        );
        -- Resume of one slot's stream; the unfiltered stream pages on the primary key.
        CREATE INDEX events_slot_seq ON events (slot, seq);

        CREATE TABLE runs (
          run_id      TEXT PRIMARY KEY,
          slot        TEXT    NOT NULL,
          station     TEXT,
          rig         TEXT    NOT NULL DEFAULT '',
          mac         TEXT,              -- normalised: 12 upper-case hex digits
          status      TEXT    NOT NULL,  -- running | finished | unfinished
          outcome     TEXT,              -- PASS | FAIL | ERROR | ABORTED once finished
          started_at  INTEGER NOT NULL,  -- wall-clock ms
          finished_at INTEGER,
          duration_ms INTEGER,
          first_seq   INTEGER NOT NULL,  -- global seq of the run's first event (folds start here)
          record      TEXT               -- folded RunRecord JSON once the run is over
        ) WITHOUT ROWID;
        CREATE INDEX runs_started      ON runs (started_at);
        CREATE INDEX runs_mac          ON runs (mac, started_at);
        CREATE INDEX runs_outcome      ON runs (outcome, started_at);
        CREATE INDEX runs_status       ON runs (status, started_at);
        CREATE INDEX runs_slot         ON runs (slot, started_at);
        CREATE INDEX runs_station_slot ON runs (station, slot, started_at);

        CREATE TABLE phases (
          run_id      TEXT    NOT NULL,
          ord         INTEGER NOT NULL,
          name        TEXT    NOT NULL,
          outcome     TEXT,
          attempts    INTEGER NOT NULL,
          started_at  INTEGER,
          duration_ms INTEGER,
          error_code  TEXT,
          skip_reason TEXT,
          PRIMARY KEY (run_id, ord)
        ) WITHOUT ROWID;
        CREATE INDEX phases_name_outcome ON phases (name, outcome);

        CREATE TABLE measurements (
          run_id  TEXT    NOT NULL,
          phase   TEXT    NOT NULL,
          ord     INTEGER NOT NULL,
          name    TEXT    NOT NULL,
          value,          -- no declared type: numbers stay numbers, text stays text
          unit    TEXT,
          verdict TEXT    NOT NULL,
          low     REAL,
          high    REAL,
          equals  TEXT,   -- JSON of the expected value
          note    TEXT,
          PRIMARY KEY (run_id, phase, ord)
        ) WITHOUT ROWID;
        CREATE INDEX measurements_name ON measurements (name, verdict);
      `);
    },
  },
  {
    version: 2,
    description: 'backups',
    up(db) {
      // `sectors` is the packed sector list (backup-store.ts, encodeSectors): against `base` (the
      // MAC of a full manifest) only the sectors that differ, so a unit costs a few rows' bytes.
      db.exec(`
        CREATE TABLE backups (
          mac        TEXT    PRIMARY KEY,  -- normalised: 12 upper-case hex digits
          taken_at   INTEGER NOT NULL,     -- wall-clock ms
          flash_size INTEGER NOT NULL,
          sha256     TEXT    NOT NULL,     -- of the whole image
          crc        INTEGER NOT NULL,     -- the chip's CRC of the whole image
          base       TEXT,                 -- MAC of the full manifest this one is a delta of; NULL = full
          sectors    BLOB    NOT NULL,
          run_id     TEXT,
          station    TEXT
        ) WITHOUT ROWID;
        CREATE INDEX backups_full ON backups (flash_size, taken_at) WHERE base IS NULL;
      `);
    },
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the schema to SCHEMA_VERSION (writer), or checks it is there (reader). The steps and the
 * new user_version commit together.
 */
export function migrate(db: Database, opts: { readOnly: boolean; path: string }): { from: number; to: number } {
  const from = db.pragma('user_version', { simple: true }) as number;
  if (from > SCHEMA_VERSION) {
    throw new PlugrigError(
      'E_STORE_VERSION',
      `the record store ${opts.path} has schema version ${from}, newer than this plugrig knows (${SCHEMA_VERSION})`,
      'use the plugrig version that wrote it, or a newer one',
    );
  }
  if (from === SCHEMA_VERSION) return { from, to: from };
  if (opts.readOnly) {
    throw new PlugrigError(
      'E_STORE_VERSION',
      `the record store ${opts.path} has schema version ${from}; this plugrig needs ${SCHEMA_VERSION}`,
      'open it once with a writer (plugrig run or serve) to migrate it',
    );
  }
  db.transaction(() => {
    for (const m of MIGRATIONS.slice(from)) {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    }
  }).immediate();
  return { from, to: SCHEMA_VERSION };
}
