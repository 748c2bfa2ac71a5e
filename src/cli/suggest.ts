/** "Did you mean": the closest known name by edit distance, if it is close enough to be a typo. */
export function editDistance(a: string, b: string): number {
  // One row of the classic table is enough; names are short.
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/** The known name closest to `given` (≤ 2 edits, or ≤ a third of its length), or one it is a prefix of. */
export function closest(given: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const d = editDistance(given.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  if (best !== undefined && bestD <= Math.max(2, Math.floor(given.length / 3))) return best;
  return known.find((k) => given.length >= 3 && k.startsWith(given));
}
