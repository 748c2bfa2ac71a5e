/**
 * JSON-lines parsing that survives a crash: a process killed mid-append leaves at most one torn
 * line (no newline, or cut JSON). Such lines are counted and skipped, never fatal. Pure.
 */
export interface ParsedLines<T> {
  items: T[];
  /** Lines that did not parse or did not have the expected shape. */
  bad: number;
  /** True when the text does not end with a newline (the last line was cut). */
  tornTail: boolean;
}

export function parseJsonLines<T>(text: string, accept: (v: unknown) => v is T): ParsedLines<T> {
  const items: T[] = [];
  let bad = 0;
  const lines = text.split('\n');
  const tornTail = text.length > 0 && !text.endsWith('\n');
  for (const line of lines) {
    if (line.trim() === '') continue;
    try {
      const v: unknown = JSON.parse(line);
      if (accept(v)) items.push(v);
      else bad += 1;
    } catch {
      bad += 1;
    }
  }
  return { items, bad, tornTail };
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
