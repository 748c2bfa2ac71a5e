import path from 'node:path';
import { importsOf, violation, violationsIn } from './arrows.js';

const SRC = path.resolve('src');

describe('dependency arrows', () => {
  it('no import in src/ runs back up the layers', () => {
    expect(violationsIn(SRC)).toEqual([]);
  });

  it('flags an arrow that runs back up, with the file, line and what is allowed', () => {
    const [edge] = importsOf('io/serial.ts', "// x\nimport type { Rig } from '../rig/types.js';\n");
    expect(violation(edge!)).toBe('io/serial.ts:2 imports rig/types.ts: "io" may import only from core');
  });

  it('lets the simulator use the line interfaces but not the production debouncer', () => {
    const ok = importsOf('sim/lines.ts', "import type { Level } from '../io/types.js';");
    const bad = importsOf('sim/lines.ts', "import { createEdgeFilter } from '../io/edge-filter.js';");
    expect(violation(ok[0]!)).toBeUndefined();
    expect(violation(bad[0]!)).toMatch(/sim\/lines.ts:1 imports io\/edge-filter.ts/);
  });

  it('sees dynamic imports and re-exports', () => {
    const edges = importsOf('report/x.ts', "export { a } from '../run/a.js';\nconst m = await import('../cli/main.js');");
    expect(edges.map((e) => e.to)).toEqual(['run/a.ts', 'cli/main.ts']);
    expect(edges.every((e) => violation(e))).toBe(true);
  });

  it('refuses a folder that has no place in the table', () => {
    const [edge] = importsOf('newthing/a.ts', "import { x } from '../core/errors.js';");
    expect(violation(edge!)).toMatch(/"newthing" has no place/);
  });
});
