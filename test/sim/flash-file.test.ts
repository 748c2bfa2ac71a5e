import { mkdtempSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { createSimModule } from '../../src/sim/index.js';
import { PlugrigError } from '../../src/core/errors.js';

describe('sim flash kept in a file', () => {
  test('what one module wrote, the next one created on the same file starts with (MAC included)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'plugrig-simflash-'));
    const file = path.join(dir, 'slot.flash');
    const a = createSimModule({ timing: 'fast', flashFile: file, seed: 7 });
    const mac = a.mac;
    a.flash.eraseSector(0x100000);
    a.flash.program(0x100000, Buffer.from('kept across processes'));
    await a.close();
    expect(existsSync(file)).toBe(true);

    const b = createSimModule({ timing: 'fast', flashFile: file, seed: 99 }); // another seed would mean another MAC
    expect(b.mac).toBe(mac);
    expect(b.flash.read(0x100000, 21).toString()).toBe('kept across processes');
    await b.close();
    expect(readFileSync(file).subarray(0x100000, 0x100015).toString()).toBe('kept across processes');
  });

  test('a file of the wrong size is refused, not overwritten', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'plugrig-simflash-'));
    const file = path.join(dir, 'backup.bin');
    writeFileSync(file, Buffer.alloc(1000, 0x11));
    let err: unknown;
    try {
      createSimModule({ timing: 'fast', flashFile: file });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PlugrigError);
    expect((err as PlugrigError).code).toBe('E_SIM_FLASH_FILE');
    expect((err as PlugrigError).message).toMatch(/1000 bytes, expected 2097152/);
    expect(readFileSync(file).length).toBe(1000);
  });
});
