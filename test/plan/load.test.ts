/**
 * Loading plan files: a good .ts and .js plan load (the .ts one with no build step, through tsx),
 * and each kind of bad file is one line naming the file, the line and what is wrong.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fx = (name: string) => `test/plan/fixtures/${name}`;

interface Result {
  file: string;
  code?: string;
  line?: string;
  name?: string;
  source?: string;
  extends?: string;
  applied?: string[] | string;
}

const FILES = [
  'good.ts',
  'good.mjs',
  'syntax-error.ts',
  'syntax-error.mjs',
  'throws.ts',
  'no-default.ts',
  'named-export.ts',
  'not-a-plan.ts',
  'bad-definition.ts',
  'bad-import.ts',
  'missing-module.ts',
  'nowhere.ts',
  'notes.txt',
  'bad-phase-name.ts',
];
let results: Map<string, Result>;

beforeAll(() => {
  // One child for all files: tsx cannot register its loader inside Jest's sandbox.
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_OPTIONS;
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/plan/load-child.ts', root, ...FILES.map(fx)], {
    cwd: root,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`load-child failed: ${r.stderr}`);
  results = new Map(
    r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const o = JSON.parse(l) as Result;
        return [o.file.replace('test/plan/fixtures/', ''), o];
      }),
  );
}, 60_000);

function loadError(name: string): { code: string; line: string } {
  const r = results.get(name)!;
  if (!r.code) throw new Error(`${name} loaded`);
  return { code: r.code, line: r.line! };
}

describe('loadPlanFile', () => {
  test('a .ts plan loads with no build step and imports plugrig', () => {
    const def = results.get('good.ts')!;
    expect(def).toMatchObject({ name: 'good ts', source: 'test/plan/fixtures/good.ts', applied: ['hello', 'flash', 'relay', 'button'] });
  });

  test('a .mjs plan loads with a plain import', () => {
    expect(results.get('good.mjs')).toMatchObject({ name: 'good js', extends: 'none', applied: ['hello'] });
  });

  test.each([
    ['syntax-error.ts', 'E_PLAN_INVALID', /^E_PLAN_INVALID: test\/plan\/fixtures\/syntax-error\.ts:5:7: Expected "]" but found ":"/],
    ['syntax-error.mjs', 'E_PLAN_INVALID', /^E_PLAN_INVALID: test\/plan\/fixtures\/syntax-error\.mjs:4:\d+: Unexpected ","/],
    ['throws.ts', 'E_PLAN_LOAD', /^E_PLAN_LOAD: test\/plan\/fixtures\/throws\.ts:4:\d+: threw while loading: limit 12 is too high/],
    ['no-default.ts', 'E_PLAN_INVALID', /^E_PLAN_INVALID: test\/plan\/fixtures\/no-default\.ts: no default export/],
    ['named-export.ts', 'E_PLAN_INVALID', /exported as "plan", not as the default export — write: export default plan$/],
    ['not-a-plan.ts', 'E_PLAN_INVALID', /not-a-plan\.ts: the default export is a phase \("lonely"\), not a plan/],
    ['bad-definition.ts', 'E_PLAN_INVALID', /bad-definition\.ts:3:\d+: definePlan\(\): unknown key "phase"/],
    ['bad-import.ts', 'E_PLAN_INVALID', /bad-import\.ts:1(:\d+)?: .*fase/],
    ['missing-module.ts', 'E_PLAN_LOAD', /missing-module\.ts:2:\d+: cannot find/],
    ['nowhere.ts', 'E_PLAN_NOT_FOUND', /nowhere\.ts: no such plan file/],
    ['notes.txt', 'E_PLAN_INVALID', /notes\.txt: a plan file is \.ts, \.mts, \.js or \.mjs/],
  ])('%s: one line naming the file and line', (name, code, pattern) => {
    const { code: got, line } = loadError(name);
    expect(line).toMatch(pattern);
    expect(got).toBe(code);
    expect(line).not.toContain('\n');
    expect(line).not.toMatch(/ at |node_modules|src\/plan/);
  });

  test('a phase name that does not exist is named at its line, with did-you-mean', () => {
    expect(results.get('bad-phase-name.ts')!.applied).toMatch(
      /^E_PLAN_INVALID: test\/plan\/fixtures\/bad-phase-name\.ts:4:\d+: after: no phase named "realy" in the plan — did you mean "relay"\?/,
    );
  });
});
