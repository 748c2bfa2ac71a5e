/**
 * npm run bench:backups [-- --units N] — the size of the sector-content backups of N simulated
 * units of one product (default 1000) against one 2 MiB file per unit (issue 9).
 */
import { describeBackupSize, measureBackupSize } from './backup-size.js';

const i = process.argv.indexOf('--units');
const units = i > 0 ? Number(process.argv[i + 1]) : 1000;
if (!Number.isInteger(units) || units < 1) throw new Error(`--units ${process.argv[i + 1]} is not a positive whole number`);
const r = await measureBackupSize(units, { log: (l) => console.log(l) });
for (const line of describeBackupSize(r)) console.log(line);
