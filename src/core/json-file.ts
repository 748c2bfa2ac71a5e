/**
 * The one way plugrig reads a JSON file a person wrote (rig, template, module pad map, station).
 * Every failure is a PlugrigError on one line: a missing file, a directory, an unreadable file, or
 * a syntax error as `file:line:column: not valid JSON: what is wrong` with a hint saying how to fix
 * it. The syntax error is located by our own scanner, not by parsing V8's message, whose wording
 * (and whether it names a position at all) changes between Node versions.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { PlugrigError } from './errors.js';

export interface JsonFileKind {
  /** What the file is, in messages: "rig file", "template", "module pad map", "station file". */
  what: string;
  /** Code of a syntax error (and of a missing file unless `missingCode` is given). */
  code: string;
  /** Code when the file cannot be read at all (missing, a directory, no permission). */
  missingCode?: string;
  /** How to fix a missing file, e.g. 'rig files live in rigs/ (e.g. rigs/sim.json); check the path'. */
  missingHint: string;
}

/** Reads and parses a JSON file; see the module comment for the errors. */
export async function readJsonFile(path: string, kind: JsonFileKind): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw readError(path, kind, e);
  }
  return parseJsonFileText(text, path, kind);
}

/** The same, synchronously (for validation code that is synchronous by design). */
export function readJsonFileSync(path: string, kind: JsonFileKind): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw readError(path, kind, e);
  }
  return parseJsonFileText(text, path, kind);
}

/** Parses text read from `path`; a syntax error becomes `path:line:column: not valid JSON: …`. */
export function parseJsonFileText(text: string, path: string, kind: Pick<JsonFileKind, 'code'>): unknown {
  // Editors on Windows may save a byte-order mark; it is not JSON but carries no meaning either.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (e) {
    const found = findJsonSyntaxError(body) ?? fromV8Message(body, (e as Error).message);
    const { line, column } = lineColumn(body, found.pos);
    throw new PlugrigError(kind.code, `${path}:${line}:${column}: not valid JSON: ${found.what}`, found.fix, { cause: e });
  }
}

function readError(path: string, kind: JsonFileKind, e: unknown): PlugrigError {
  const errno = (e as NodeJS.ErrnoException).code;
  const code = kind.missingCode ?? kind.code;
  if (errno === 'ENOENT') return new PlugrigError(code, `${path}: no such ${kind.what}`, kind.missingHint, { cause: e });
  if (errno === 'EISDIR')
    return new PlugrigError(code, `${path}: is a directory, not a ${kind.what}`, `name the JSON file inside it; ${kind.missingHint}`, { cause: e });
  if (errno === 'EACCES' || errno === 'EPERM') {
    return new PlugrigError(
      code,
      `${path}: cannot read the ${kind.what}: permission denied`,
      'make the file readable by this user (ls -l shows its owner and mode)',
      { cause: e },
    );
  }
  return new PlugrigError(code, `${path}: cannot read the ${kind.what}: ${(e as Error).message}`, kind.missingHint, { cause: e });
}

/** 1-based line and column (in characters) of an offset. */
export function lineColumn(text: string, pos: number): { line: number; column: number } {
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  return { line, column: pos - before.lastIndexOf('\n') };
}

export interface JsonSyntaxError {
  /** Offset of the offending character (text.length when the text ends early). */
  pos: number;
  what: string;
  fix: string;
}

const QUOTE_FIX = 'JSON strings and property names use double quotes';

/**
 * Scans `text` as JSON and describes the first error, or returns undefined when the text is valid.
 * Recursive descent, nesting bounded so a hostile file cannot blow the stack.
 */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  const MAX_DEPTH = 500;
  let i = 0;
  class Stop {
    constructor(readonly err: JsonSyntaxError) {}
  }
  // Annotated so TypeScript knows a call never returns (narrowing after `if (!m) stop(...)`).
  const stop: (what: string, fix: string, pos?: number) => never = (what, fix, pos = i) => {
    throw new Stop({ pos, what, fix });
  };
  const ws = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i]!)) i++;
  };
  const shown = (pos: number) => (pos >= text.length ? 'the end of the file' : JSON.stringify(text[pos]));
  const early: (missing: string) => never = (missing) => stop(`the file ends early: ${missing}`, 'close every { and [ and every string that is opened');
  const commonMistakes = (expected: string) => {
    const c = text[i];
    if (i >= text.length) early(`expected ${expected}`);
    if (c === '/') stop('a comment', 'JSON allows no comments: remove it');
    if (c === "'") stop('a single-quoted string', QUOTE_FIX);
  };

  const value = (depth: number): void => {
    ws();
    commonMistakes('a value');
    const c = text[i]!;
    if (c === '{') object(depth + 1);
    else if (c === '[') array(depth + 1);
    else if (c === '"') string();
    else if (c === '-' || (c >= '0' && c <= '9')) number();
    else literal();
  };
  const literal = (): void => {
    const c = text[i]!;
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    if (/[A-Za-z_]/.test(c)) {
      const word = /^[A-Za-z_][\w.]*/.exec(text.slice(i, i + 40))![0];
      stop(`${JSON.stringify(word)} is not a JSON value`, `write text in double quotes ("${word}"); the only bare words are true, false and null`);
    }
    stop(`expected a value, found ${shown(i)}`, 'a value is a "string", a number, true, false, null, an {object} or an [array]');
  };

  /** Steps over an object's or array's opener; true when the container is empty (its closer consumed too). */
  const enterEmpty = (depth: number, close: '}' | ']'): boolean => {
    if (depth > MAX_DEPTH) stop(`nested more than ${MAX_DEPTH} deep`, 'flatten the file');
    i++; // the opener
    ws();
    if (text[i] !== close) return false;
    i++;
    return true;
  };

  /**
   * After an object's entry or an array's item: consumes "," (true: another follows) or the closer
   * (false: the container ends); anything else stops with the one message that fits.
   */
  const another = (close: '}' | ']'): boolean => {
    const [container, unit, units, startsNext] =
      close === '}' ? (['object', 'entry', 'entries', /"/] as const) : (['array', 'item', 'items', /["\d\-[{tfn]/] as const);
    ws();
    if (i >= text.length) early(`an ${container} is not closed with "${close}"`);
    if (text[i] === ',' || text[i] === close) return text[i++] === ',';
    if (text[i] === '/') stop('a comment', 'JSON allows no comments: remove it');
    if (startsNext.test(text[i]!)) stop(`a comma is missing between two ${units}`, `put "," after every ${unit} but the last`);
    stop(`expected "," or "${close}" after an ${unit}, found ${shown(i)}`, `put "," between ${units} and close the ${container} with "${close}"`);
  };

  const object = (depth: number): void => {
    if (enterEmpty(depth, '}')) return;
    for (;;) {
      ws();
      commonMistakes('a property name in double quotes');
      if (text[i] === '}') stop('a comma before "}"', 'remove the comma after the last entry (JSON allows no trailing commas)', lastComma());
      if (text[i] !== '"') {
        if (/[A-Za-z_$]/.test(text[i]!)) stop('a property name without double quotes', QUOTE_FIX);
        stop(`expected a property name in double quotes, found ${shown(i)}`, QUOTE_FIX);
      }
      string();
      ws();
      if (i >= text.length) early('expected ":" after the property name');
      if (text[i] !== ':') stop(`expected ":" after the property name, found ${shown(i)}`, 'write "name": value');
      i++;
      value(depth);
      if (!another('}')) return;
    }
  };

  const array = (depth: number): void => {
    if (enterEmpty(depth, ']')) return;
    for (;;) {
      ws();
      if (text[i] === ']') stop('a comma before "]"', 'remove the comma after the last item (JSON allows no trailing commas)', lastComma());
      value(depth);
      if (!another(']')) return;
    }
  };

  /** Where the trailing comma sits (the error is the comma, not the bracket after it). */
  const lastComma = () => {
    let j = i - 1;
    while (j > 0 && text[j] !== ',') j--;
    return j;
  };

  const string = (): void => {
    const start = i;
    i++; // "
    for (;;) {
      if (i >= text.length) stop('a string is not closed', 'end the string with a double quote', start);
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20)
        stop(
          c === 0x0a || c === 0x0d ? 'a line break inside a string' : 'a control character inside a string',
          'close the string on the same line, or write \\n for a line break',
        );
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else if (e === 'u' && /^[0-9A-Fa-f]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else stop(`${JSON.stringify('\\' + (e ?? ''))} is not a JSON escape`, 'write a backslash as \\\\ (e.g. in Windows paths), or use / instead');
        continue;
      }
      i++;
    }
  };

  const number = (): void => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) stop(`not a JSON number: ${JSON.stringify(/^[-\w.+]*/.exec(text.slice(i, i + 40))![0])}`, 'write numbers like 12, -3, 0.5 or 1e6');
    const end = i + m[0].length;
    if (/[\w.]/.test(text[end] ?? ''))
      stop(
        `not a JSON number: ${JSON.stringify(/^[-\w.+]*/.exec(text.slice(i, i + 40))![0])}`,
        'write numbers like 12, -3, 0.5 or 1e6 (no leading zeros, no hex); quote anything else',
      );
    i = end;
  };

  try {
    ws();
    if (i >= text.length) stop('the file is empty', 'write one JSON object, e.g. {}');
    value(0);
    ws();
    if (i < text.length)
      stop(
        `unexpected text after the end of the JSON value, found ${shown(i)}`,
        'a file holds one JSON value: remove what follows, or check the brackets above it',
      );
    return undefined;
  } catch (e) {
    if (e instanceof Stop) return e.err;
    throw e;
  }
}

/** Fallback if the scanner accepts what JSON.parse refused (should not happen): trust V8's position. */
function fromV8Message(text: string, message: string): JsonSyntaxError {
  const pos = /position (\d+)/.exec(message);
  return { pos: pos ? Number(pos[1]) : text.length, what: message, fix: 'check commas, quotes and brackets' };
}
