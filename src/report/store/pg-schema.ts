/**
 * The PostgreSQL store's schema (DESIGN.md, "Beyond one host"): the SQLite store's tables, plus the
 * station each row came from, as an ordered list of migration steps. Table `plugrig_schema` holds
 * the number of steps applied. Several stations may open the same database at once, so a step runs
 * under a transaction-level advisory lock: exactly one of them applies it, the others wait and then
 * find it done. A database from a newer plugrig (a version beyond this list) is refused.
 *
 * Tables:
 *   stream        one row: the head of the global event stream. Writers lock it for the length of
 *                 their transaction, so seqs are handed out gapless and commit in seq order: a reader
 *                 tailing "seq > N" can never skip an event that commits late.
 *   events        every event, keyed by the global seq; unique by (run_id, run_seq), the run-local
 *                 seq the runner gave it, so a forward replayed after an outage never duplicates
 *   runs          one row per run: the columns queries filter on, and the folded RunRecord once over
 *   phases        one row per phase of an ended run
 *   measurements  the last attempt's measurements of an ended run
 */
import type { PoolClient } from 'pg';
import { PlugrigError } from '../../core/errors.js';

export interface PgMigration {
  /** Version after this step. Steps are numbered 1, 2, 3... without gaps. */
  version: number;
  description: string;
  sql: string;
}

export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    description: 'stream, events, runs, phases, measurements, with station',
    sql: `
      CREATE TABLE stream (
        id   smallint PRIMARY KEY CHECK (id = 1),
        head bigint   NOT NULL
      );
      INSERT INTO stream (id, head) VALUES (1, 0);

      CREATE TABLE events (
        seq     bigint  PRIMARY KEY,
        station text    NOT NULL,
        run_id  text    NOT NULL,
        run_seq integer NOT NULL,
        slot    text    NOT NULL,
        type    text    NOT NULL,
        t       bigint  NOT NULL,
        body    jsonb   NOT NULL,
        UNIQUE (run_id, run_seq)
      );
      CREATE INDEX events_slot_seq         ON events (slot, seq);
      CREATE INDEX events_station_slot_seq ON events (station, slot, seq);

      CREATE TABLE runs (
        run_id      text   PRIMARY KEY,
        station     text   NOT NULL,
        slot        text   NOT NULL,
        rig         text   NOT NULL DEFAULT '',
        mac         text,              -- normalised: 12 upper-case hex digits
        status      text   NOT NULL,   -- running | finished | unfinished
        outcome     text,
        started_at  bigint NOT NULL,   -- wall-clock ms
        finished_at bigint,
        duration_ms bigint,
        first_seq   bigint NOT NULL,
        record      jsonb              -- folded RunRecord once the run is over
      );
      CREATE INDEX runs_started      ON runs (started_at);
      CREATE INDEX runs_mac          ON runs (mac, started_at);
      CREATE INDEX runs_outcome      ON runs (outcome, started_at);
      CREATE INDEX runs_status       ON runs (status, started_at);
      CREATE INDEX runs_slot         ON runs (slot, started_at);
      CREATE INDEX runs_station_slot ON runs (station, slot, started_at);

      CREATE TABLE phases (
        run_id      text    NOT NULL,
        ord         integer NOT NULL,
        name        text    NOT NULL,
        outcome     text,
        attempts    integer NOT NULL,
        started_at  bigint,
        duration_ms bigint,
        error_code  text,
        skip_reason text,
        PRIMARY KEY (run_id, ord)
      );
      CREATE INDEX phases_name_outcome ON phases (name, outcome);

      CREATE TABLE measurements (
        run_id  text    NOT NULL,
        phase   text    NOT NULL,
        ord     integer NOT NULL,
        name    text    NOT NULL,
        value   jsonb,            -- numbers stay numbers, text stays text
        unit    text,
        verdict text    NOT NULL,
        low     double precision,
        high    double precision,
        equals  jsonb,
        note    text,
        PRIMARY KEY (run_id, phase, ord)
      );
      CREATE INDEX measurements_name ON measurements (name, verdict);
    `,
  },
];

export const PG_SCHEMA_VERSION = PG_MIGRATIONS.length;

/** Any constant: the advisory lock every plugrig migrating this database takes. */
const MIGRATION_LOCK = 72_310_231;

/** Brings the schema to PG_SCHEMA_VERSION in one transaction, safe against concurrent openers. */
export async function migratePg(client: PoolClient, where: string): Promise<{ from: number; to: number }> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS plugrig_schema (version integer NOT NULL)');
    const got = await client.query<{ version: number }>('SELECT version FROM plugrig_schema');
    const from = got.rows[0]?.version ?? 0;
    if (from > PG_SCHEMA_VERSION) {
      throw new PlugrigError(
        'E_STORE_VERSION',
        `the record store ${where} has schema version ${from}, newer than this plugrig knows (${PG_SCHEMA_VERSION})`,
        'use the plugrig version that wrote it, or a newer one',
      );
    }
    for (const m of PG_MIGRATIONS.slice(from)) await client.query(m.sql);
    if (got.rows.length === 0) await client.query('INSERT INTO plugrig_schema (version) VALUES ($1)', [PG_SCHEMA_VERSION]);
    else if (from !== PG_SCHEMA_VERSION) await client.query('UPDATE plugrig_schema SET version = $1', [PG_SCHEMA_VERSION]);
    await client.query('COMMIT');
    return { from, to: PG_SCHEMA_VERSION };
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
