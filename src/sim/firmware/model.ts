/**
 * The simulated OpenBeken device state without any I/O: config, channels, drivers, Wi-Fi/AP
 * state, BL0937 readings, and the console commands that change them. The runtime turns this
 * into pad levels, timers and HTTP; tests drive it directly.
 */
import {
  acceptPowerMax,
  bl0937Window,
  calibrate,
  DEFAULT_CAL,
  DEFAULT_POWER_MAX,
  INITIAL_BL0937,
  processEnergy,
  ZERO_ENERGY,
  type Bl0937Cal,
  type Bl0937State,
  type Bl0937Window,
  type EnergyValues,
} from './bl0937.js';
import { atof, atoi, parsePowerArgument, splitBacklog, splitCommand, tokenize } from './command-line.js';
import { FIELD_MAX, fitField, hasFlag, setFlag, type ObkConfig } from './config.js';
import type { ButtonEvent } from './button.js';
import type { ObkFaultSet } from './faults.js';
import { CHANNEL_COUNT, GPIO_COUNT, isButtonRole, isRelayRole, parseRoleName, Role } from './roles.js';
import type { WifiMode } from './wifi-led.js';
import { obkLine, type ObkLogLevel } from './log-lines.js';

/** More than this many early resets in a row → safe mode. */
export const RESTARTS_REQUIRED_FOR_SAFE_MODE = 4;
/** Uptime (s) before which a double click erases the Wi-Fi credentials (open-AP hazard). */
export const DOUBLE_CLICK_HAZARD_S = 5;
/** Uptime (s) after which a boot counts as successful (OpenBeken DEFAULT_BOOT_SUCCESS_TIME). */
export const BOOT_SUCCESS_S = 5;
/** Seconds from boot to the open AP on an unconfigured (or safe-mode) device. */
export const OPEN_AP_DELAY_S = 5;

export const FLAG_BTN_INSTANT = 6;
export const FLAG_POWER_ALLOW_NEGATIVE = 25;
export const FLAG_DRV_DISABLE_AUTOSTART = 36;
export const FLAG_ZERO_WHEN_RELAYS_OPEN = 38;
export const FLAG_BUTTON_DISABLE_ALL = 41;

export interface ModelInit {
  cfg: ObkConfig;
  faults: ObkFaultSet;
  earlyResets: number;
}

export interface CommandOutcome {
  ok: boolean;
  /** Seconds until a requested restart, when the command asked for one. */
  restartInS?: number;
  message?: string;
}

export class ObkModel {
  readonly cfg: ObkConfig;
  readonly faults: ObkFaultSet;
  readonly safeMode: boolean;
  /** False in safe mode: the firmware never sets its pins up then (no outputs, no button, no LED). */
  readonly pinsEnabled: boolean;
  readonly channels: number[] = new Array<number>(CHANNEL_COUNT).fill(0);
  readonly drivers = new Set<string>();
  uptimeS = 0;
  apMode = false;
  openApCountdownS = 0;
  /** Double clicks inside the first 5 s that erased the Wi-Fi credentials. */
  openApHazards = 0;
  bl: Bl0937State = { ...INITIAL_BL0937 };
  energy: EnergyValues = { ...ZERO_ENERGY };
  powerMax = DEFAULT_POWER_MAX;
  /** Set when config changed and must be written to flash. */
  configDirty = false;
  readonly logLines: string[] = [];
  /** Lines in OpenBeken's shape (log-lines.ts); the runtime sends them to UART2 and the network log. */
  private log(text: string, feature = 'MAIN', level: ObkLogLevel = 'Info'): void {
    this.logLines.push(obkLine(level, feature, text));
  }

  private readonly bootFailures: number;

  constructor(init: ModelInit) {
    this.bootFailures = init.earlyResets;
    this.cfg = init.cfg;
    this.faults = init.faults;
    this.safeMode = init.earlyResets > RESTARTS_REQUIRED_FOR_SAFE_MODE;
    this.pinsEnabled = !this.safeMode;
  }

  /** Boot-time work in the firmware's order: start values, driver autostart, startup command, Wi-Fi. */
  boot(): void {
    if (this.safeMode) {
      this.log(`###### safe mode activated - boot failures ${this.bootFailures}`);
    } else {
      for (let ch = 0; ch < CHANNEL_COUNT; ch++) {
        const sv = this.cfg.startValues[ch] ?? 0;
        this.channels[ch] = sv === -1 ? (this.cfg.rememberedChannels[ch] ?? 0) : sv;
      }
      if (
        !hasFlag(this.cfg, FLAG_DRV_DISABLE_AUTOSTART) &&
        this.hasRole(Role.BL0937CF) &&
        this.hasRole(Role.BL0937CF1) &&
        (this.hasRole(Role.BL0937SEL) || this.hasRole(Role.BL0937SEL_n))
      ) {
        this.startDriver('BL0937');
      }
      if (this.cfg.startupCommand) this.execute(this.cfg.startupCommand);
    }
    if (this.cfg.wifiSsid === '' || this.safeMode) this.openApCountdownS = OPEN_AP_DELAY_S;
    this.log(`Using SSID [${this.cfg.wifiSsid}]`);
  }

  wifiMode(): WifiMode {
    return this.apMode ? 'ap' : 'connecting'; // no station ever connects in the simulator
  }

  /** The 1 s timer: uptime, AP countdown, BL0937 window when given. */
  secondTick(window?: Bl0937Window): void {
    this.uptimeS++;
    if (this.openApCountdownS > 0) {
      this.openApCountdownS--;
      if (this.openApCountdownS === 0) {
        this.apMode = true;
        this.log('Open access point started');
      }
    }
    if (window && this.drivers.has('BL0937')) this.bl0937Tick(window);
  }

  bl0937Tick(w: Bl0937Window): void {
    const { state, reading } = bl0937Window(this.bl, w, this.effectiveCal(), {
      powerMax: this.powerMax,
      invertSel: this.hasRole(Role.BL0937SEL_n) !== this.faults.selInverted,
    });
    this.bl = state;
    this.energy = processEnergy(this.energy, reading, w.elapsedMs, {
      allowNegative: hasFlag(this.cfg, FLAG_POWER_ALLOW_NEGATIVE),
      zeroWhenRelaysOpen: hasFlag(this.cfg, FLAG_ZERO_WHEN_RELAYS_OPEN),
      relaysAllOpen: this.relayChannels().every((ch) => !this.channels[ch]),
    });
  }

  /** Calibration in use: stored value if non-zero, else the driver default; cal-off scales all three. */
  effectiveCal(): Bl0937Cal {
    const k = 1 + this.faults.calOffPercent / 100;
    return {
      voltage: (this.cfg.voltageCal || DEFAULT_CAL.voltage) * k,
      current: (this.cfg.currentCal || DEFAULT_CAL.current) * k,
      power: (this.cfg.powerCal || DEFAULT_CAL.power) * k,
    };
  }

  /** Button events for the button on `gpio` (already debounced by the state machine). */
  buttonEvents(gpio: number, events: readonly ButtonEvent[]): void {
    for (const e of events) {
      if (hasFlag(this.cfg, FLAG_BUTTON_DISABLE_ALL)) continue;
      const ch = this.cfg.channels[gpio] ?? 0;
      if (e.kind === 'press' && hasFlag(this.cfg, FLAG_BTN_INSTANT)) this.toggleChannel(ch);
      if (e.kind !== 'click') continue;
      if (e.count === 1 && !hasFlag(this.cfg, FLAG_BTN_INSTANT)) this.toggleChannel(ch);
      if (e.count === 2) {
        this.toggleChannel(this.cfg.channels2[gpio] ?? 0);
        if (this.uptimeS < DOUBLE_CLICK_HAZARD_S) {
          this.openApHazards++;
          this.log('double click in the first 5 s: Wi-Fi credentials erased (open AP at next boot)', 'GEN');
          if (this.cfg.wifiSsid !== '' || this.cfg.wifiPass !== '') {
            this.cfg.wifiSsid = '';
            this.cfg.wifiPass = '';
            this.configDirty = true;
          }
        }
      }
    }
  }

  hasRole(role: number): boolean {
    return this.cfg.roles.includes(role);
  }

  pinsWithRole(pred: (role: number) => boolean): number[] {
    const out: number[] = [];
    this.cfg.roles.forEach((r, gpio) => {
      if (pred(r)) out.push(gpio);
    });
    return out;
  }

  relayChannels(): number[] {
    const set = new Set<number>();
    this.cfg.roles.forEach((r, gpio) => {
      if (isRelayRole(r)) set.add(this.cfg.channels[gpio] ?? 0);
    });
    return [...set].sort((a, b) => a - b);
  }

  buttonPins(): number[] {
    return this.pinsWithRole(isButtonRole);
  }

  setChannel(ch: number, value: number): void {
    if (ch < 0 || ch >= CHANNEL_COUNT) return;
    this.channels[ch] = value;
    if (this.cfg.startValues[ch] === -1 && this.cfg.rememberedChannels[ch] !== value) {
      this.cfg.rememberedChannels[ch] = value;
      this.configDirty = true;
    }
  }

  toggleChannel(ch: number): void {
    this.setChannel(ch, this.channels[ch] ? 0 : 1);
  }

  startDriver(name: string): void {
    const canonical = name.toLowerCase() === 'bl0937' ? 'BL0937' : name;
    if (this.drivers.has(canonical)) return;
    this.drivers.add(canonical);
    if (canonical === 'BL0937') {
      this.bl = { ...INITIAL_BL0937 };
      this.powerMax = this.cfg.powerMax || DEFAULT_POWER_MAX;
      this.log('BL0937 driver started');
    }
  }

  /** Runs one console line (a backlog runs each item). Unknown commands are ignored, as on the device. */
  execute(line: string): CommandOutcome {
    const { name, rest } = splitCommand(line);
    const cmd = name.toLowerCase();
    const args = tokenize(rest);
    switch (cmd) {
      case '':
        return { ok: false, message: 'empty command' };
      case 'backlog': {
        let restartInS: number | undefined;
        let ok = true;
        for (const item of splitBacklog(rest)) {
          const r = this.execute(item);
          ok &&= r.ok;
          if (r.restartInS !== undefined) restartInS = r.restartInS;
        }
        return restartInS === undefined ? { ok } : { ok, restartInS };
      }
      case 'setpinrole': {
        const pin = atoi(args[0]);
        const role = args[1] === undefined ? undefined : parseRoleName(args[1]);
        if (pin < 0 || pin >= GPIO_COUNT || role === undefined) return { ok: false, message: `bad SetPinRole "${rest}"` };
        if (this.cfg.roles[pin] !== role) {
          this.cfg.roles[pin] = role;
          this.configDirty = true;
        }
        return { ok: true };
      }
      case 'setpinchannel': {
        const pin = atoi(args[0]);
        if (pin < 0 || pin >= GPIO_COUNT || args.length < 2) return { ok: false, message: `bad SetPinChannel "${rest}"` };
        this.cfg.channels[pin] = atoi(args[1]);
        if (args.length > 2) this.cfg.channels2[pin] = atoi(args[2]);
        this.configDirty = true;
        return { ok: true };
      }
      case 'flags': {
        if (!/^\s*\d+/.test(rest)) return { ok: false, message: 'flags needs a decimal value' };
        this.cfg.flags = BigInt(/^\s*(\d+)/.exec(rest)![1]!) & ((1n << 64n) - 1n);
        this.configDirty = true;
        return { ok: true };
      }
      case 'setflag': {
        const bit = atoi(args[0]);
        if (args.length < 2 || bit < 0 || bit > 63) return { ok: false, message: `bad SetFlag "${rest}"` };
        setFlag(this.cfg, bit, atoi(args[1]) !== 0);
        this.configDirty = true;
        return { ok: true };
      }
      case 'startupcommand': {
        if (args.length < 1) return { ok: false, message: 'StartupCommand needs an argument' };
        this.cfg.startupCommand = args[0]!;
        this.configDirty = true;
        if (atoi(args[1]) === 1) this.execute(args[0]!);
        return { ok: true };
      }
      case 'setstartvalue': {
        const ch = atoi(args[0]);
        if (args.length < 2 || ch < 0 || ch >= CHANNEL_COUNT) return { ok: false, message: `bad SetStartValue "${rest}"` };
        this.cfg.startValues[ch] = atoi(args[1]);
        this.configDirty = true;
        return { ok: true };
      }
      case 'setchannel':
        this.setChannel(atoi(args[0]), atoi(args[1]));
        return { ok: true };
      case 'togglechannel':
        this.toggleChannel(atoi(args[0]));
        return { ok: true };
      case 'startdriver':
        if (!args[0]) return { ok: false, message: 'startDriver needs a driver name' };
        this.startDriver(args[0]);
        return { ok: true };
      case 'stopdriver':
        this.drivers.delete(args[0]?.toLowerCase() === 'bl0937' ? 'BL0937' : (args[0] ?? ''));
        return { ok: true };
      case 'restart':
        return { ok: true, restartInS: rest.trim() === '' ? 3 : Math.max(0, atoi(rest)) };
      // Wi-Fi and MQTT settings (cmd_tasmota.c, cmd_channels.c): stored at once, used from the
      // next boot. Without an argument the firmware only logs that one is needed.
      case 'ssid1':
        return this.setText(name, args, 'wifiSsid', FIELD_MAX.ssid);
      case 'password1':
        return this.setText(name, args, 'wifiPass', FIELD_MAX.wifiPass);
      case 'mqtthost':
        return this.setText(name, args, 'mqttHost', FIELD_MAX.mqttHost);
      case 'mqttuser':
        return this.setText(name, args, 'mqttUser', FIELD_MAX.mqttUser);
      case 'mqttpassword':
        return this.setText(name, args, 'mqttPass', FIELD_MAX.mqttPass);
      case 'mqttclient':
        return this.setText(name, args, 'mqttClient', FIELD_MAX.mqttClient);
      case 'shortname':
        return this.setText(name, args, 'shortName', FIELD_MAX.shortName);
      case 'setbuttontimes':
        if (args.length < 3) return { ok: false, message: 'setButtonTimes needs long short repeat' };
        this.cfg.buttonLong = atoi(args[0]) || 10;
        this.cfg.buttonShort = atoi(args[1]) || 3;
        this.cfg.buttonRepeat = atoi(args[2]) || 5;
        this.configDirty = true;
        return { ok: true };
      case 'voltageset':
      case 'currentset':
      case 'powerset':
        return this.calibrationCommand(cmd, args);
      case 'powermax': {
        if (!this.drivers.has('BL0937')) return { ok: false, message: 'unknown command PowerMax' };
        if (rest.trim() === '') return { ok: false, message: 'PowerMax needs one argument' };
        const w = atof(rest);
        if (acceptPowerMax(w)) {
          this.powerMax = w;
          this.cfg.powerMax = w;
          this.configDirty = true;
        }
        return { ok: true };
      }
      default:
        if (cmd.startsWith('power')) return this.powerCommand(name, rest);
        return { ok: true }; // STATUS, SENSOR, STATE, Ch...: reply only
    }
  }

  private setText(
    name: string,
    args: string[],
    field: 'wifiSsid' | 'wifiPass' | 'mqttHost' | 'mqttUser' | 'mqttPass' | 'mqttClient' | 'shortName',
    max: number,
  ): CommandOutcome {
    if (args.length === 0) {
      this.log(`${name}: This command requires 1 argument`);
      return { ok: true };
    }
    const v = fitField(args[0]!, max);
    if (this.cfg[field] !== v) {
      this.cfg[field] = v;
      this.configDirty = true;
    }
    return { ok: true };
  }

  private powerCommand(name: string, rest: string): CommandOutcome {
    const relays = this.relayChannels();
    const startsAtZero = relays.includes(0);
    let ch: number;
    if (name.length > 5) {
      ch = atoi(name.slice(5));
      if (startsAtZero) ch = Math.max(0, ch - 1);
    } else {
      ch = relays[0] ?? 0;
    }
    const a = rest.trim();
    if (a === '' || a.toLowerCase() === 'status') return { ok: true };
    if (a.toLowerCase() === 'toggle') this.toggleChannel(ch);
    else this.setChannel(ch, parsePowerArgument(a));
    return { ok: true };
  }

  private calibrationCommand(cmd: string, args: string[]): CommandOutcome {
    if (!this.drivers.has('BL0937')) return { ok: false, message: `unknown command ${cmd}` };
    if (args.length < 1) return { ok: false, message: `${cmd} needs the real value` };
    const real = atof(args[0]);
    const raw = cmd === 'voltageset' ? this.bl.rawVoltage : cmd === 'currentset' ? this.bl.rawCurrent : this.bl.rawPower;
    const r = calibrate(real, raw);
    if (!r.ok) {
      this.log(r.reason, 'ENERGY', 'Error');
      return { ok: false, message: r.reason };
    }
    if (cmd === 'voltageset') this.cfg.voltageCal = r.cal;
    else if (cmd === 'currentset') this.cfg.currentCal = r.cal;
    else this.cfg.powerCal = r.cal;
    this.configDirty = true;
    return { ok: true };
  }

  /** Takes the log lines produced since the last call. */
  drainLog(): string[] {
    return this.logLines.splice(0, this.logLines.length);
  }
}
