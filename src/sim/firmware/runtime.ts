/**
 * The running simulated firmware: joins the pure model to the module's pads (PadNet), a 25 ms
 * quick tick (buttons, Wi-Fi LED, outputs) and a 1 s tick (uptime, AP countdown, BL0937 window),
 * config saves to flash, and the HTTP API. `restart` cannot reset the module from here, so it
 * is an internal stop + boot of this runtime (the HTTP port stays the same; requests during the
 * reboot gap are dropped, as a rebooting device would drop them).
 */
import type { PadNet } from '../net.js';
import type { FirmwareContext, RunningFirmware } from '../types.js';
import { initialButtonState, stepButton, type ButtonState } from './button.js';
import { simInterval, simTimeout, type SimClock } from '../clock.js';
import { configIsBlank, loadConfig, saveConfig } from './config.js';
import { bootCompleteLine, bootLines, obkLine, REBOOTING_LINE, rebootCountdownLine, restartLine, timeLine } from './log-lines.js';
import { startNetLog, type NetLogServer } from './netlog.js';
import type { ObkFaultSet } from './faults.js';
import { startObkHttp, type HttpReply, type HttpRequestInfo, type ObkHttpServer } from './http.js';
import { apiChannels, apiInfo, apiPins, cmReply, type DeviceIdentity } from './json.js';
import { BOOT_SUCCESS_S, ObkModel } from './model.js';
import { isButtonRole, isInvertedOutput, isRelayRole, isWifiLedRole, Role } from './roles.js';
import { INITIAL_WIFI_LED, stepWifiLed, WIFI_LED_SETUP_LEVEL, wifiLedAtBoot, wifiLedLevel, wifiLedWrite, type WifiLedState } from './wifi-led.js';

export const QUICK_TICK_MS = 25;
export const SECOND_TICK_MS = 1000;
/** Commands longer than this are executed twice by the firmware's /cm handler (a real quirk). */
export const CM_LONG_COMMAND = 123;

export interface RuntimeOptions {
  faults: ObkFaultSet;
  host: string;
  port: number;
  clock: SimClock;
  identity: Omit<DeviceIdentity, 'mac'>;
  /** Time between the firmware going down on `restart` and booting again. */
  rebootGapMs: number;
  /** RTOS uptime when OpenBeken sets up its pins (the SDK's start-up before Main_Init); see index.ts. */
  sdkStartMs: number;
  /** Basic-auth password for the web API; overrides the config's (empty = none). */
  webPassword?: string;
  /** TCP port of the network log on `host` (OpenBeken: 9000; 0 = a free port); undefined = none. */
  logPort?: number;
}

const json = (body: string): HttpReply => ({ status: 200, contentType: 'application/json', body });

export class ObkRuntime implements RunningFirmware {
  private modelNow!: ObkModel;
  private http: ObkHttpServer | undefined;
  private netlog: NetLogServer | undefined;
  /** Config saves since start (the "changes count" the boot prints). */
  private saves = 0;
  private tickHandles: unknown[] = [];
  private restartHandle: unknown = undefined;
  /** When a requested restart falls (clock ms), for the countdown lines. */
  private restartAtMs: number | undefined;
  private gapHandle: unknown = undefined;
  private up = false;
  private stopped = false;
  private earlyResets: number;
  private buttons = new Map<number, ButtonState>();
  private led: WifiLedState = { ...INITIAL_WIFI_LED };
  /** Last level written to each Wi-Fi LED pad (the pad keeps it until the next write). */
  private ledPad = new Map<number, 0 | 1>();
  private appliedRole = new Map<number, number>();
  private stuckLevel = new Map<number, 0 | 1>();
  private manualEdges = new Map<number, number>();
  private unsubscribe: Array<() => void> = [];
  private lastQuickMs = 0;
  private lastSecondMs = 0;
  private readonly id: DeviceIdentity;
  /** Boots of this runtime (1 after start, +1 per internal restart). */
  boots = 0;

  constructor(
    private readonly ctx: FirmwareContext,
    private readonly opts: RuntimeOptions,
  ) {
    this.earlyResets = ctx.earlyResets;
    this.id = { ...opts.identity, mac: ctx.mac.toUpperCase() };
  }

  get httpUrl(): string | undefined {
    return this.http?.url;
  }

  /** The device state of the current boot (read it in tests; the runtime owns it). */
  get model(): ObkModel {
    return this.modelNow;
  }

  /** The network log's TCP port on the HTTP host, once it listens. */
  get netLogPort(): number | undefined {
    return this.netlog?.port;
  }

  get isUp(): boolean {
    return this.up;
  }

  async start(): Promise<void> {
    for (const [gpio, net] of this.ctx.pads) {
      this.unsubscribe.push(net.onChange((level) => this.onPadEdge(gpio, net, level)));
    }
    this.boot();
    const http = await startObkHttp({
      host: this.opts.host,
      port: this.opts.port,
      dead: this.opts.faults.httpDead,
      slowMs: this.opts.faults.httpSlowMs,
      clock: this.opts.clock,
      password: () => this.opts.webPassword ?? this.modelNow?.cfg.webPassword ?? '',
      handler: (req) => this.handle(req),
    });
    if (this.stopped) {
      await http.close(); // reset while the server was starting
      return;
    }
    this.http = http;
    this.log(obkLine('Debug', 'SIM', `web server on ${http.url}`)); // the simulator's own note (not at the default log level 3)
    if (this.opts.logPort === undefined) return;
    try {
      const netlog = await startNetLog({ host: this.opts.host, port: this.opts.logPort, accepting: () => this.up });
      if (this.stopped) await netlog.close();
      else this.netlog = netlog;
    } catch (e) {
      this.log(obkLine('Debug', 'SIM', `network log not started: ${e instanceof Error ? e.message : String(e)}`));
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.shutdownFirmware();
    this.opts.clock.clearTimeout(this.restartHandle);
    this.opts.clock.clearTimeout(this.gapHandle);
    for (const u of this.unsubscribe.splice(0)) u();
    const h = this.http;
    this.http = undefined;
    const n = this.netlog;
    this.netlog = undefined;
    await Promise.all([h?.close(), n?.close()]);
  }

  /** Runs a console line as /cm would (without HTTP); returns the JSON reply. */
  runCommand(line: string): string {
    if (line.length > CM_LONG_COMMAND) this.modelNow.execute(line);
    const outcome = this.modelNow.execute(line);
    const reply = cmReply(this.modelNow, this.id, line);
    this.afterChange();
    if (outcome.restartInS !== undefined) this.scheduleRestart(outcome.restartInS);
    return reply;
  }

  /**
   * Reboots now: what `restart 0` ends in (requested: "Rebooting..." is its last line), or a crash
   * (the crash-after and boot-loop faults: the log just stops and the next boot's banner follows).
   */
  reboot(requested = true): void {
    if (this.stopped || !this.up) return;
    this.earlyResets = this.modelNow.uptimeS < BOOT_SUCCESS_S ? this.earlyResets + 1 : 0;
    if (requested) this.log(REBOOTING_LINE);
    this.shutdownFirmware();
    this.netlog?.dropClients();
    this.gapHandle = simTimeout(
      this.opts.clock,
      () => {
        if (!this.stopped) this.boot();
      },
      this.opts.rebootGapMs,
    );
  }

  private boot(): void {
    const blankConfig = configIsBlank(this.ctx.flash);
    const cfg = loadConfig(this.ctx.flash);
    this.modelNow = new ObkModel({ cfg, faults: this.opts.faults, earlyResets: this.earlyResets });
    this.buttons.clear();
    this.appliedRole.clear();
    this.stuckLevel.clear();
    this.manualEdges.clear();
    this.ledPad.clear();
    // The RTOS clock starts with the app (the module's boot), or again on an internal restart, and
    // has run through the SDK's start-up by the time OpenBeken sets up its pins.
    const now = this.opts.clock.now();
    this.led = wifiLedAtBoot((this.boots === 0 ? now - this.ctx.bootedAtMs : 0) + this.opts.sdkStartMs);
    this.boots++;
    for (const line of bootLines({ blankConfig, changes: this.saves, pinsEnabled: this.modelNow.pinsEnabled })) this.log(line);
    this.modelNow.boot();
    this.lastQuickMs = now;
    this.lastSecondMs = now;
    this.up = true;
    if (this.modelNow.pinsEnabled) {
      this.applyOutputs();
      this.tickHandles.push(simInterval(this.opts.clock, () => this.quickTick(), QUICK_TICK_MS));
    }
    this.tickHandles.push(simInterval(this.opts.clock, () => this.secondTick(), SECOND_TICK_MS));
    this.afterChange();
  }

  private shutdownFirmware(): void {
    this.up = false;
    for (const h of this.tickHandles.splice(0)) this.opts.clock.clearInterval(h);
    this.opts.clock.clearTimeout(this.restartHandle);
    this.restartHandle = undefined;
    this.restartAtMs = undefined;
    for (const gpio of this.appliedRole.keys()) this.ctx.pads.get(gpio)?.setModuleDrive('z');
    this.appliedRole.clear();
    this.ledPad.clear();
  }

  private scheduleRestart(seconds: number): void {
    this.log(restartLine(seconds));
    this.restartAtMs = this.opts.clock.now() + seconds * 1000;
    this.opts.clock.clearTimeout(this.restartHandle);
    this.restartHandle = simTimeout(this.opts.clock, () => this.reboot(), seconds * 1000);
  }

  private quickTick(): void {
    const now = this.opts.clock.now();
    const dt = now - this.lastQuickMs;
    this.lastQuickMs = now;
    const m = this.modelNow;
    const times = { shortMs: m.cfg.buttonShort * 100, longMs: m.cfg.buttonLong * 100, holdRepeatMs: m.cfg.buttonRepeat * 100 };
    for (const gpio of m.buttonPins()) {
      const net = this.ctx.pads.get(gpio);
      if (!net) continue;
      const sample = this.buttonSample(gpio, net);
      const prev = this.buttons.get(gpio) ?? initialButtonState(sample, 0);
      const { state, events } = stepButton(prev, sample, dt, times);
      this.buttons.set(gpio, state);
      if (events.length) m.buttonEvents(gpio, events);
    }
    const ledBefore = this.led;
    const mode = m.wifiMode();
    this.led = stepWifiLed(ledBefore, mode, dt);
    const write = wifiLedWrite(ledBefore, this.led, mode);
    if (write !== null) this.writeWifiLed(write);
    this.afterChange();
  }

  /** PIN_set_wifi_led: every Wi-Fi LED pad gets the level its role (or the led-inverted fault's swapped role) maps `on` to. */
  private writeWifiLed(on: boolean): void {
    for (const [gpio, role] of this.appliedRole) {
      if (!isWifiLedRole(role)) continue;
      const invertedRole = (role === Role.WifiLED_n) !== this.opts.faults.ledInverted;
      this.ledPad.set(gpio, wifiLedLevel(on, invertedRole));
    }
  }

  /** Level the state machine sees, where 0 means pressed (inverted roles flipped first). */
  private buttonSample(gpio: number, net: PadNet): 0 | 1 {
    if (this.opts.faults.buttonUnwired) return 1;
    const role = this.modelNow.cfg.roles[gpio] ?? 0;
    const activeHigh = role === Role.Btn_n || role === Role.Btn_pd;
    const raw = net.level();
    return activeHigh ? (raw ? 0 : 1) : raw;
  }

  private secondTick(): void {
    const now = this.opts.clock.now();
    const m = this.modelNow;
    const cf1 = this.countPulses(Role.BL0937CF1, this.lastSecondMs, now);
    const cf = this.countPulses(Role.BL0937CF, this.lastSecondMs, now);
    const elapsedMs = now - this.lastSecondMs;
    this.lastSecondMs = now;
    m.secondTick({ cf1Pulses: cf1, cfPulses: cf, elapsedMs });
    this.log(timeLine(m.uptimeS, m.apMode));
    const left = this.restartAtMs === undefined ? 0 : Math.round((this.restartAtMs - now) / 1000);
    if (left >= 1) this.log(rebootCountdownLine(left));
    if (m.uptimeS === BOOT_SUCCESS_S && !m.safeMode) this.log(bootCompleteLine(BOOT_SUCCESS_S));
    this.afterChange();
    const crashAt = this.opts.faults.crashAfterS;
    if (crashAt > 0 && m.uptimeS >= crashAt) this.reboot(false);
  }

  private countPulses(role: number, t0: number, t1: number): number {
    let n = 0;
    for (const gpio of this.modelNow.pinsWithRole((r) => r === role)) {
      const net = this.ctx.pads.get(gpio);
      if (!net) continue;
      n += net.fallingEdgesBetween(t0, t1) + (this.manualEdges.get(gpio) ?? 0);
      this.manualEdges.set(gpio, 0);
      break; // the driver uses the first pin with the role
    }
    return n;
  }

  /** Falling edges the host makes by driving a CF/CF1 pad directly (pulse trains are counted analytically). */
  private onPadEdge(gpio: number, net: PadNet, level: 0 | 1): void {
    if (!this.up || level !== 0 || net.hostPulse() !== null) return;
    const role = this.modelNow.cfg.roles[gpio];
    if (role === Role.BL0937CF || role === Role.BL0937CF1) this.manualEdges.set(gpio, (this.manualEdges.get(gpio) ?? 0) + 1);
  }

  private afterChange(): void {
    if (!this.up) return;
    if (this.modelNow.pinsEnabled) this.applyOutputs();
    if (this.modelNow.configDirty) {
      this.modelNow.configDirty = false;
      saveConfig(this.ctx.flash, this.modelNow.cfg);
      this.saves++;
    }
    for (const line of this.modelNow.drainLog()) this.log(line);
  }

  /** Sets every pad up for its role (once per role change) and drives the outputs. */
  private applyOutputs(): void {
    const m = this.modelNow;
    for (const [gpio, net] of this.ctx.pads) {
      const role = m.cfg.roles[gpio] ?? 0;
      if (role === Role.None) {
        // pads without a role are left alone (released once if they had a role before)
        if (this.appliedRole.has(gpio)) {
          this.appliedRole.delete(gpio);
          this.buttons.delete(gpio);
          this.ledPad.delete(gpio);
          net.setModuleDrive('z');
        }
        continue;
      }
      if (this.appliedRole.get(gpio) !== role) {
        this.appliedRole.set(gpio, role);
        this.buttons.delete(gpio);
        // A Wi-Fi LED role only makes the pad an output, driven low (see wifi-led.ts).
        if (isWifiLedRole(role)) this.ledPad.set(gpio, WIFI_LED_SETUP_LEVEL);
        else this.ledPad.delete(gpio);
        net.setModuleDrive('z');
        if (role === Role.Btn_pd || role === Role.Btn_pd_n) net.setPull('down');
        else if (isButtonRole(role) || role === Role.BL0937CF || role === Role.BL0937CF1) net.setPull('up');
      }
      net.setModuleDrive(this.outputFor(gpio, role));
    }
  }

  private outputFor(gpio: number, role: number): 0 | 1 | 'z' {
    const m = this.modelNow;
    if (isRelayRole(role)) {
      const on = !!m.channels[m.cfg.channels[gpio] ?? 0];
      const level: 0 | 1 = on !== isInvertedOutput(role) ? 1 : 0;
      if (!this.opts.faults.relayStuck) return level;
      const stuck = this.stuckLevel.get(gpio) ?? level;
      this.stuckLevel.set(gpio, stuck);
      return stuck;
    }
    if (isWifiLedRole(role)) {
      return this.ledPad.get(gpio) ?? WIFI_LED_SETUP_LEVEL;
    }
    if (role === Role.BL0937SEL || role === Role.BL0937SEL_n) {
      return m.drivers.has('BL0937') ? (m.bl.sel ? 1 : 0) : 'z';
    }
    return 'z';
  }

  private handle(req: HttpRequestInfo): HttpReply | null {
    if (!this.up) return null;
    switch (req.path) {
      case '/cm': {
        let line = req.query.get('cmnd');
        if (line === null && (req.method === 'POST' || req.method === 'PUT')) line = new URLSearchParams(req.body).get('cmnd');
        if (!line) return json('');
        return json(this.runCommand(line));
      }
      case '/api/info':
        return json(apiInfo(this.modelNow, this.id));
      case '/api/pins':
        return json(apiPins(this.modelNow));
      case '/api/channels':
        return json(apiChannels(this.modelNow));
      case '/':
      case '/index':
        return {
          status: 200,
          contentType: 'text/html',
          body:
            `<!DOCTYPE html><html><head><title>${this.id.version}</title></head><body><h1>OpenBK7231N</h1>` +
            `<p>${this.modelNow.safeMode ? 'SAFE MODE' : 'Online'} for ${this.modelNow.uptimeS} s</p></body></html>`,
        };
      default:
        return { status: 404, contentType: 'text/plain', body: 'Not found' };
    }
  }

  /** One log line: on UART2 (through the module) and on the network log. */
  private log(line: string): void {
    this.ctx.log(line);
    this.netlog?.send(line);
  }
}
