import { describe, test, expect } from '@jest/globals';
import { RomFrameReader } from '../../src/sim/rom/frame-reader.js';
import { hex } from './host.js';

describe('chip-side frame hunting (§2.6)', () => {
  test('skips text and noise before a short frame', () => {
    const r = new RomFrameReader();
    const frames = r.push(Buffer.concat([Buffer.from('reboot\r\n'), hex('FF 00 01 E0 01 E0 FC 01 00')]), 0);
    expect(frames).toEqual([{ form: 'short', code: 0x00, payload: Buffer.alloc(0) }]);
  });

  test('a frame split over many chunks completes on its last byte', () => {
    const r = new RomFrameReader();
    const bytes = hex('01 E0 FC 05 03 00 00 80 00');
    for (let i = 0; i < bytes.length - 1; i++) expect(r.push(bytes.subarray(i, i + 1), i * 0.1)).toEqual([]);
    const [f] = r.push(bytes.subarray(bytes.length - 1), 1);
    expect(f).toEqual({ form: 'short', code: 0x03, payload: hex('00 00 80 00') });
  });

  test('long frames: FF F4 and a 16-bit length; the payload may contain 01 E0 FC', () => {
    const r = new RomFrameReader();
    const data = Buffer.alloc(4096, 0);
    hex('01 E0 FC 01 00').copy(data, 100);
    const frames = r.push(Buffer.concat([hex('01 E0 FC FF F4 05 10 07 00 10 01 00'), data, hex('01 E0 FC 01 00')]), 0);
    expect(frames.map((f) => [f.form, f.code, f.payload.length])).toEqual([
      ['long', 0x07, 4100],
      ['short', 0x00, 0],
    ]);
    expect(frames[0]!.payload.subarray(4).equals(data)).toBe(true);
  });

  test('FF without the F4 marker is not a frame; hunting resumes', () => {
    const r = new RomFrameReader();
    expect(r.push(hex('01 E0 FC FF 00 01 E0 FC 02 AA 55'), 0)).toEqual([{ form: 'short', code: 0xaa, payload: hex('55') }]);
  });

  test('a frame left incomplete past the inter-byte timeout is dropped', () => {
    const r = new RomFrameReader(20);
    expect(r.push(hex('01 E0 FC 05 03 00'), 0)).toEqual([]); // lost its last 3 bytes
    const frames = r.push(hex('01 E0 FC 01 00'), 100);
    expect(frames).toEqual([{ form: 'short', code: 0x00, payload: Buffer.alloc(0) }]);
  });

  test('within the timeout the next bytes still count as payload', () => {
    const r = new RomFrameReader(20);
    r.push(hex('01 E0 FC 05 03 00'), 0);
    const frames = r.push(hex('00 80 00'), 5);
    expect(frames).toEqual([{ form: 'short', code: 0x03, payload: hex('00 00 80 00') }]);
  });
});
