/** A rig's fixture line by name, of the kind the test needs (it fails the test if the rig file says otherwise). */
import type { InputLine, OutputLine } from '../../src/io/types.js';
import type { OpenRig } from '../../src/rig/assemble.js';

export function outputLine(rig: OpenRig, name: string): OutputLine {
  const f = rig.line(name);
  if (f?.kind !== 'output') throw new Error(`${name} should be an output`);
  return f.line;
}

export function inputLine(rig: OpenRig, name: string): InputLine {
  const f = rig.line(name);
  if (f?.kind !== 'input') throw new Error(`${name} should be an input`);
  return f.line;
}
