/**
 * The built-in checks are plans a user could have written: every phase of the derived default plan
 * is made by the public phase() (it carries its declared measurements) and gets the rig only
 * through the plan context. checks/ cannot reach the runner at all (test/arch keeps that).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildCheckPhases } from '../../src/checks/plan.js';
import { rebootWatchPhase } from '../../src/checks/reboot-watch.js';
import { parseTemplate } from '../../src/device/template.js';
import { importsOf, sourceFiles } from '../arch/arrows.js';

const template = parseTemplate(JSON.parse(readFileSync(path.resolve('hardware/devices/rmc021.json'), 'utf8')), 'rmc021.json');

describe('the built-in checks use the public plan API', () => {
  it.each([
    ['run', { configure: true, calibrate: false }],
    ['production', { configure: true, calibrate: true }],
  ])('every phase of the default %s plan is built by phase()', (_what, options) => {
    const phases = [...buildCheckPhases({ template, options }), rebootWatchPhase({ ledPads: [8] }).phase];
    expect(phases.map((p) => p.name)).toEqual(expect.arrayContaining(['identity', 'wifi-led', 'relay', 'relay-button']));
    for (const p of phases) expect(p).toHaveProperty('measurements');
  });

  it('no check imports the runner, the station or the CLI', () => {
    const checks = sourceFiles(path.resolve('src')).filter((f) => f.startsWith('checks/'));
    const reaches = checks.flatMap((f) => importsOf(f, readFileSync(path.resolve('src', f), 'utf8'))).filter((e) => /^(run|station|cli)\//.test(e.to));
    expect(reaches).toEqual([]);
  });
});
