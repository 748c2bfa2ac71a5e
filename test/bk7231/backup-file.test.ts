import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { backupName, existingBackup, saveVerified } from '../../src/bk7231/backup-file.js';

describe('backup files', () => {
  test('a saved backup is found again by its MAC, and only by its MAC', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plugrig-bkf-'));
    const data = Buffer.alloc(8192, 0x5a);
    const saved = await saveVerified(join(dir, backupName('C8478C0A0B0C', data)), data);
    expect(await existingBackup(dir, 'c8478c0a0b0c')).toBe(saved.path);
    expect(await existingBackup(dir, 'C8478C0A0B0D')).toBeUndefined();
  });
  test('other files and a missing folder are not backups', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plugrig-bkf-'));
    writeFileSync(join(dir, 'C8478C0A0B0C_notes.txt'), 'x');
    writeFileSync(join(dir, 'C8478C0A0B0C_12345678.bin.partial'), 'x');
    expect(await existingBackup(dir, 'C8478C0A0B0C')).toBeUndefined();
    expect(await existingBackup(join(dir, 'absent'), 'C8478C0A0B0C')).toBeUndefined();
  });
});
