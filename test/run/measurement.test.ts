import { describe, expect, test } from '@jest/globals';
import { describeMeasurement, judge, measurement } from '../../src/core/measurement.js';

describe('judge', () => {
  test('range limits are inclusive and reject non-numbers', () => {
    expect(judge(230, { low: 229.8, high: 230.2 })).toBe('PASS');
    expect(judge(229.8, { low: 229.8, high: 230.2 })).toBe('PASS');
    expect(judge(229.7, { low: 229.8 })).toBe('FAIL');
    expect(judge(231, { high: 230.2 })).toBe('FAIL');
    expect(judge('230', { low: 0 })).toBe('FAIL');
    expect(judge(Number.NaN, { low: 0 })).toBe('FAIL');
  });
  test('equality and no limits', () => {
    expect(judge('ON', { equals: 'ON' })).toBe('PASS');
    expect(judge('OFF', { equals: 'ON' })).toBe('FAIL');
    expect(judge(5, undefined)).toBe('UNCHECKED');
    expect(judge(5, {})).toBe('UNCHECKED');
  });
  test('a failure reads as value, limits and reason', () => {
    const m = measurement({ name: 'voltage', value: 228.1, unit: 'V', limits: { low: 229.8, high: 230.2 }, note: 'cal off' });
    expect(m.verdict).toBe('FAIL');
    expect(describeMeasurement(m)).toBe('voltage = 228.1 V (limits 229.8..230.2 V): FAIL — cal off');
  });
});
