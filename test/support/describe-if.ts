import { describe } from '@jest/globals';

/**
 * `describe` where what the suite needs is there, else `describe.skip`, saying on the console what is
 * skipped and why (a suite that skips quietly reads as a suite that passed).
 */
export function describeIf(available: boolean, skipping: string): typeof describe | typeof describe.skip {
  if (!available) console.warn(`skipping ${skipping}`);
  return available ? describe : describe.skip;
}
