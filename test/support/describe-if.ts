import { describe, test } from '@jest/globals';

/**
 * `describe` / `test` where what they need is there; otherwise skipped, saying why both on the
 * console and in the skipped title itself (a suite that skips quietly reads as a suite that passed).
 */
export function describeIf(available: boolean, skipping: string): (title: string, fn: () => void) => void {
  if (available) return (title, fn) => describe(title, fn);
  console.warn(`skipping ${skipping}`);
  return (title, fn) => describe.skip(`${title} (skipped: ${skipping})`, fn);
}

export function testIf(available: boolean, skipping: string): (title: string, fn: () => Promise<void>, timeoutMs?: number) => void {
  if (available) return (title, fn, timeoutMs) => test(title, fn, timeoutMs);
  console.warn(`skipping ${skipping}`);
  return (title, fn, timeoutMs) => test.skip(`${title} (skipped: ${skipping})`, fn, timeoutMs);
}
