/**
 * One line of help and the default for every option of every command, shown by
 * `plugrig <command> --help`. Keyed by option name; "<command>.<option>" overrides where a name
 * means something else in one command (serve's --port is TCP, sim's --mac sets the MAC).
 * test/cli/help.test.ts fails when an option has no line here.
 */
import { FAULT_NAMES } from '../sim/faults.js';
import { OBK_SIM_FAULTS } from '../sim/firmware/faults.js';

export interface OptionHelp {
  text: string;
  default?: string;
}

const BAUDS = '115200, 230400, 460800, 921600, 1500000, 2000000, 3000000';

const HELP: Record<string, OptionHelp> = {
  rig: { text: 'rig file: the serial port, reset lines and fixture of one test slot', default: 'rigs/sim.json' },
  port: { text: 'a bare serial port (no reset lines): reset the chip by hand when asked', default: 'none (use --rig)' },
  baud: { text: `line speed after the link, one of ${BAUDS}`, default: '921600' },
  json: { text: 'print the result as JSON on stdout (MACs as 12 hex digits)', default: 'off' },
  pipeline: { text: 'frames in flight while writing (1 = stop-and-wait; the ROM is not known to buffer more)', default: '1' },
  trace: { text: 'write every frame to this file (for link and CRC problems)', default: 'off' },
  wait: { text: 'with --port: how long to wait for the manual reset, seconds', default: '60' },
  offset: { text: 'flash address, 4 KiB aligned (decimal or 0x-hex)', default: "the image's own (0x11000 for an app image, 0 for a full dump)" },
  length: { text: 'bytes to read, a multiple of 0x1000', default: 'to the end of the flash' },
  diff: { text: 'write only the sectors that differ (also repairs an interrupted write)', default: 'off' },
  'no-reboot': { text: 'leave the chip in the ROM afterwards instead of rebooting it', default: 'off' },
  backup: { text: 'first read the whole flash into a verified backup file in this directory', default: 'off' },
  efuse: { text: 'also read the eFuse key', default: 'off' },
  device: { text: 'device template (JSON) naming the pins', default: "the rig's device" },
  url: { text: "the OpenBeken device's address, e.g. http://192.168.4.1", default: 'the rig knows it' },
  user: { text: 'HTTP user, when the device asks for one', default: 'admin when --password is given' },
  password: { text: 'HTTP password', default: 'none' },
  timeout: { text: 'HTTP request timeout, ms', default: '4000' },
  'reboot-timeout': { text: 'how long to wait for the device to come back after a reboot, ms', default: '30000' },
  calibrate: { text: 'calibrate the power meter against the rig load', default: 'off' },
  configure: { text: 'apply the template to the device before the checks', default: 'off' },
  plan: { text: 'plan file (export default definePlan(…)) applied to the default plan; docs/plan-api.md', default: "the rig's plan, else none" },
  provision: { text: 'provisioning file (Wi-Fi, MQTT, name from the MAC); secrets are redacted', default: "the rig's, else none" },
  'virtual-time': { text: 'simulated rigs only: run on a virtual clock, so waits cost no real time', default: 'off' },
  verbose: { text: 'show every measurement and the firmware log', default: 'off' },
  junit: { text: 'also write a JUnit XML report to this file', default: 'off' },
  store: {
    text: 'record store directory (records.sqlite, backups/; must exist for records), or a postgres:// URL where the command takes one',
    default: '$PLUGRIG_HOME, else ~/.local/share/plugrig',
  },
  slot: { text: 'slot name in the record', default: 'the rig name' },
  'sim-fault': { text: `simulated rigs only, repeatable: a firmware fault, one of ${OBK_SIM_FAULTS.join(', ')}`, default: 'none' },
  // records
  mac: { text: 'only this unit: 12 hex digits or the last 3 bytes, any separator (C8:47:8C:01:02:03, 010203)', default: 'all units' },
  since: { text: 'only runs started after: a date, 12h, 7d or today', default: 'all' },
  until: { text: 'only runs started before this date', default: 'now' },
  outcome: { text: 'only PASS, FAIL, ERROR, ABORTED or UNFINISHED runs', default: 'all' },
  limit: { text: 'at most this many records, newest first', default: 'all' },
  ndjson: { text: 'one JSON record per line', default: 'off' },
  csv: { text: 'the shipment manifest as CSV', default: 'off' },
  // rig
  exercise: { text: 'also drive each output and read each input once (real pins!)', default: 'off' },
  // serve
  'serve.rig': { text: 'rig file of one slot; repeat for more slots', default: 'rigs/sim.json' },
  station: { text: 'station file listing the slots', default: 'none' },
  'sim-slots': { text: 'this many simulated slots', default: 'none' },
  'sim-speed': { text: 'simulated time runs this many times faster', default: '1' },
  image: { text: 'firmware image to flash on every unit', default: 'the generated test image' },
  host: { text: 'address to listen on', default: '127.0.0.1' },
  'serve.port': { text: 'TCP port of the page and WebSocket', default: '8231' },
  token: { text: 'operator token (≥ 8 characters) needed to start runs', default: '$PLUGRIG_TOKEN, else none' },
  // sim
  pty: { text: 'serve the simulated module on a pseudo-terminal and print its path', default: 'off' },
  hold: { text: 'keep the chip in the ROM after every reset (ptys carry no reset lines)', default: 'off' },
  timing: { text: 'realistic or fast chip timings', default: 'realistic' },
  window: { text: 'download window after a reset, ms', default: '150' },
  fault: { text: `repeatable: a link fault, one of ${FAULT_NAMES.join(', ')}`, default: 'none' },
  seed: { text: 'random seed of the faults', default: '1' },
  'sim.mac': { text: "the simulated module's MAC (12 hex digits)", default: 'a locally administered one' },
  python: { text: 'python interpreter for the pty helper', default: 'python3' },
  'rx-buffer': { text: "the ROM's receive buffer, bytes", default: '128' },
  http: { text: 'run a simulated module already running OpenBeken; prints "http: <url>" for --url', default: 'off' },
  'http-port': { text: 'TCP port of the simulated OpenBeken with --http (0 = any free one)', default: '0' },
  'write-image': { text: 'save the generated OpenBeken test image to this file, to try flash and verify', default: 'off' },
  // run, serve (stations forwarding to a fleet)
  mqtt: { text: 'MQTT broker (mqtt://host) to publish each run to', default: 'none' },
  // restore
  'other-unit': { text: "allow writing one unit's backup to a module with another MAC", default: 'off' },
};

export function optionHelp(command: string, option: string): OptionHelp | undefined {
  return HELP[`${command}.${option}`] ?? HELP[option];
}
