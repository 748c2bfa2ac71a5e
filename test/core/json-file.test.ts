import { describe, test, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findJsonSyntaxError, lineColumn, parseJsonFileText, readJsonFile, readJsonFileSync, type JsonFileKind } from '../../src/core/json-file.js';
import { PlugrigError } from '../../src/core/errors.js';
import { loadRigFile } from '../../src/rig/config.js';
import { loadTemplateFile } from '../../src/device/template.js';
import { loadModulePads } from '../../src/device/module-pads.js';
import { loadStationFile } from '../../src/station/station-file.js';

const KIND: JsonFileKind = { what: 'thing file', code: 'E_THING_INVALID', missingCode: 'E_THING_NOT_FOUND', missingHint: 'things live in things/' };

/** Where the scanner puts the first error, as "line:column what". */
function where(text: string): string {
  const e = findJsonSyntaxError(text);
  if (!e) return 'valid';
  const { line, column } = lineColumn(text, e.pos);
  return `${line}:${column} ${e.what}`;
}

describe('syntax errors are located and named', () => {
  test.each([
    ['{\n  "a": 1,\n}', '2:9 a comma before "}"'],
    ['[1, 2,]', '1:6 a comma before "]"'],
    ['{"a": 1 "b": 2}', '1:9 a comma is missing between two entries'],
    ['[1 2]', '1:4 a comma is missing between two items'],
    ["{'a': 1}", '1:2 a single-quoted string'],
    ['{a: 1}', '1:2 a property name without double quotes'],
    ['{\n  "a": 1 // why\n}', '2:10 a comment'],
    ['{"p": "C:\\dev"}', '1:10 "\\\\d" is not a JSON escape'],
    ['{"a": "x\ny"}', '1:9 a line break inside a string'],
    ['{"a": 01}', '1:7 not a JSON number: "01"'],
    ['{"a": NaN}', '1:7 "NaN" is not a JSON value'],
    ['{"a": ', '1:7 the file ends early: expected a value'],
    ['{"a": 1', '1:8 the file ends early: an object is not closed with "}"'],
    ['{"a": "abc', '1:7 a string is not closed'],
    ['  \n', '2:1 the file is empty'],
    ['{} {}', '1:4 unexpected text after the end of the JSON value, found "{"'],
  ])('%j → %s', (text, expected) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(where(text)).toBe(expected);
  });

  test('valid JSON of every shape is accepted by the scanner', () => {
    for (const text of ['{}', '[]', '0', '-1.5e+3', '"\\u00e9\\n"', '{"a":[true,false,null,{"b":[]}]}', ' \r\n{ "x" : [ 1 , 2 ] }\n']) {
      expect(JSON.parse(text)).toBeDefined();
      expect(findJsonSyntaxError(text)).toBeUndefined();
    }
  });

  test('deep nesting is refused, not a stack overflow', () => {
    expect(where('['.repeat(10_000))).toMatch(/^1:501 nested more than 500 deep/);
  });

  test('a byte-order mark is ignored', () => {
    expect(parseJsonFileText('\uFEFF{"a": 1}', 'f.json', KIND)).toEqual({ a: 1 });
  });

  test('the error is one line: file:line:column, what is wrong, how to fix it', () => {
    const e = (() => {
      try {
        parseJsonFileText('{\n  "a": 1,\n}\n', 'rigs/x.json', KIND);
      } catch (err) {
        return err as PlugrigError;
      }
      throw new Error('expected an error');
    })();
    expect(e).toBeInstanceOf(PlugrigError);
    expect(e.code).toBe('E_THING_INVALID');
    expect(e.oneLine()).toBe(
      'E_THING_INVALID: rigs/x.json:2:9: not valid JSON: a comma before "}" — remove the comma after the last entry (JSON allows no trailing commas)',
    );
    expect(e.oneLine()).not.toContain('\n');
  });
});

describe('files that cannot be read', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'plugrig-json-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  test('missing, a directory: own codes and messages, sync and async alike', async () => {
    const none = join(tmp, 'none.json');
    await expect(readJsonFile(none, KIND)).rejects.toMatchObject({
      code: 'E_THING_NOT_FOUND',
      message: `${none}: no such thing file`,
      hint: 'things live in things/',
    });
    expect(() => readJsonFileSync(none, KIND)).toThrow(`${none}: no such thing file`);
    const dir = join(tmp, 'dir.json');
    mkdirSync(dir);
    await expect(readJsonFile(dir, KIND)).rejects.toMatchObject({ code: 'E_THING_NOT_FOUND', message: `${dir}: is a directory, not a thing file` });
  });

  test('a good file parses', async () => {
    const f = join(tmp, 'ok.json');
    writeFileSync(f, '{"a": [1, 2]}\n');
    expect(await readJsonFile(f, KIND)).toEqual({ a: [1, 2] });
    expect(readJsonFileSync(f, KIND)).toEqual({ a: [1, 2] });
  });

  // The four kinds of file a person writes: each gets one line naming file:line:column.
  const BAD = '{\n  "name": "x",\n  "pins": { "26": "Rel;1", }\n}\n';
  test.each([
    ['rig', 'E_RIG_INVALID', (f: string) => loadRigFile(f)],
    ['template', 'E_TEMPLATE_INVALID', (f: string) => loadTemplateFile(f)],
    ['module pads', 'E_MODULE_INVALID', (f: string) => loadModulePads(f)],
    ['station', 'E_STATION_INVALID', (f: string) => loadStationFile(f)],
  ])('a bad %s file: %s naming file:3:26', async (kind, code, load) => {
    const f = join(tmp, `bad-${kind.replace(' ', '-')}.json`);
    writeFileSync(f, BAD);
    const e = await load(f).then(
      () => undefined,
      (err: unknown) => err as PlugrigError,
    );
    expect(e).toBeInstanceOf(PlugrigError);
    expect(e!.code).toBe(code);
    expect(e!.oneLine()).toMatch(
      new RegExp(`^${code}: ${f.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3:26: not valid JSON: a comma before "}" — remove the comma`),
    );
    expect(e!.oneLine()).not.toContain('\n');
  });
});
