/**
 * A small fake OpenBeken HTTP server for the client, apply and CLI tests. It answers in the shapes
 * the real firmware prints (reference §7: spaces after colons, extra blocks, string-typed flags)
 * and can misbehave on purpose: slow, silent, cut off, reset, or asking for a password.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { realClock, type Clock } from '../../src/core/clock.js';
import { roleByName, roleByIndex } from '../../src/device/roles.js';

export type Misbehaviour =
  | { kind: 'slow'; ms: number }
  | { kind: 'silent' } // accepts, never answers
  | { kind: 'half' } // headers and part of the body, then stalls
  | { kind: 'reset' } // part of the body, then the connection is destroyed
  | { kind: 'truncated' } // a complete HTTP reply whose JSON is cut off
  | { kind: 'status'; code: number };

export interface FakeObkState {
  roles: number[];
  channels: number[];
  channels2: number[];
  flags: bigint;
  startCmd: string;
  bootedAt: number;
  mac: string;
  relay: boolean;
  energy?: { voltage: number; current: number; power: number };
  /** Ignore SetPinRole for this GPIO (a firmware that does not take the template). */
  stuckGpio?: number;
  /** restart does nothing */
  noRestart?: boolean;
}

const f6 = (n: number) => n.toFixed(6);

export class FakeObk {
  /** Its uptime and its misbehaviours' delays run on this clock (share the host's in tests). */
  readonly clock: Clock;
  constructor(opts: { clock?: Clock } = {}) {
    this.clock = opts.clock ?? realClock;
    this.state.bootedAt = this.clock.wallNow() - 60_000;
  }
  readonly requests: string[] = [];
  readonly commands: string[] = [];
  state: FakeObkState = {
    roles: Array(29).fill(0),
    channels: Array(29).fill(0),
    channels2: Array(29).fill(0),
    flags: 1024n,
    startCmd: '',
    bootedAt: 0, // set in the constructor, on the clock
    mac: 'C8478C0A0B0C',
    relay: false,
  };
  /** Misbehave for the next `count` requests (Infinity = always). */
  misbehave?: { how: Misbehaviour; count: number };
  auth?: { user: string; password: string };
  private server = http.createServer((req, res) => this.handle(req, res));
  private sockets = new Set<import('node:net').Socket>();
  url = '';

  async start(): Promise<this> {
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    this.requests.push(url.pathname + url.search);
    const m = this.misbehave;
    if (m && m.count > 0) {
      m.count -= 1;
      const how = m.how;
      if (how.kind === 'silent') return;
      if (how.kind === 'status') {
        res.writeHead(how.code).end('error');
        return;
      }
      if (how.kind === 'half' || how.kind === 'reset' || how.kind === 'truncated') {
        const body = '{"StatusSNS":{"Time":"0000-00-00T00:00:00","ENERGY":{"Power": 1';
        if (how.kind === 'truncated') {
          res.writeHead(200, { 'content-type': 'application/json' }).end(body);
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length + 200) });
        res.write(body);
        if (how.kind === 'reset') this.clock.setTimeout(() => req.socket.destroy(), 20);
        return;
      }
      if (how.kind === 'slow') {
        this.clock.setTimeout(() => this.answer(req, res, url), how.ms);
        return;
      }
    }
    this.answer(req, res, url);
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
    if (res.destroyed) return;
    if (this.auth) {
      const want = `Basic ${Buffer.from(`${this.auth.user}:${this.auth.password}`).toString('base64')}`;
      if (req.headers.authorization !== want) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="OpenBK"' }).end('401');
        return;
      }
    }
    const send = (body: string) => res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    const s = this.state;
    if (url.pathname === '/api/info') {
      const up = Math.floor((this.clock.wallNow() - s.bootedAt) / 1000);
      return void send(
        `{"uptime_s":${up},"build":"Built on Nov 29 2026 08:33:03 version 1.17.999","ip":"127.0.0.1","mac":"${s.mac}","flags":"${s.flags}","mqtthost":"","mqtttopic":"obk0A0B0C","chipset":"BK7231N","webapp":"https://openbekeniot.github.io/webapp/","shortName":"obk0A0B0C","startcmd":"${s.startCmd}","supportsSSDP":0,"supportsClientDeviceDB":true}`,
      );
    }
    if (url.pathname === '/api/pins') {
      const names = JSON.stringify([' ', 'Rel', 'Rel_n', 'Btn', 'Btn_n', 'LED', 'LED_n', 'PWM', 'WifiLED', 'WifiLED_n']);
      return void send(
        `{"rolenames":${names},"roles":[${s.roles.join(',')}],"channels":[${s.channels.join(',')}],"channels2":[${s.channels2.join(',')}],"states":[${s.roles.map(() => 0).join(',')}]}`,
      );
    }
    if (url.pathname === '/cm') {
      const cmnd = url.searchParams.get('cmnd') ?? '';
      return void send(this.run(cmnd));
    }
    res.writeHead(404).end('not found');
  }

  /** A test's own handler, tried first; return undefined to fall through. */
  onCommand?: (cmnd: string) => string | undefined;

  private run(cmnd: string): string {
    this.commands.push(cmnd);
    const own = this.onCommand?.(cmnd);
    if (own !== undefined) return own;
    const s = this.state;
    const [word, ...args] = cmnd.trim().split(/\s+/);
    switch ((word ?? '').toLowerCase()) {
      case 'backlog':
        for (const c of cmnd.trim().slice('backlog'.length).split(';')) if (c.trim()) this.run(c.trim());
        return '{}';
      case 'setpinrole': {
        const g = Number(args[0]);
        if (g !== s.stuckGpio) s.roles[g] = args[1] === 'None' ? 0 : (roleByName(args[1] ?? '')?.index ?? s.roles[g]!);
        return '{}';
      }
      case 'setpinchannel':
        s.channels[Number(args[0])] = Number(args[1]);
        if (args[2] !== undefined) s.channels2[Number(args[0])] = Number(args[2]);
        return '{}';
      case 'flags':
        s.flags = BigInt(args[0]!);
        return '{}';
      case 'startupcommand':
        s.startCmd = /"(.*)"/.exec(cmnd)?.[1] ?? '';
        return '{}';
      case 'restart':
        if (!s.noRestart) s.bootedAt = this.clock.wallNow();
        return '{}';
      case 'power':
        if (args[0]?.toUpperCase() === 'ON') s.relay = true;
        if (args[0]?.toUpperCase() === 'OFF') s.relay = false;
        if (args[0]?.toUpperCase() === 'TOGGLE') s.relay = !s.relay;
        return `{"POWER":"${s.relay ? 'ON' : 'OFF'}"}`;
      case 'status': {
        const e = s.energy;
        if (!e) return '{"StatusSNS":{"Time":"1970-01-01T00:00:00","ESP32":{"Temperature": 31.5},"TempUnit":"C"}}';
        return `{"StatusSNS":{"Time":"1970-01-01T00:00:00","ENERGY":{"Power": ${f6(e.power)},"ApparentPower": ${f6(e.voltage * e.current)},"ReactivePower": 0.000000,"Factor":1.000000,"Voltage":${f6(e.voltage)},"Current":${f6(e.current)},"Frequency":0.000000,"ConsumptionTotal":12.500000,"Yesterday": 0.000000,"ConsumptionLastHour":0.000000},"ESP32":{"Temperature": 31.5},"TempUnit":"C"}}`;
      }
      default:
        return '{}';
    }
  }

  /** Puts the RMC021 configuration on the fake, as if the template had been applied. */
  configureRmc021(): void {
    const set: Record<number, [string, number]> = {
      6: ['BL0937CF1', 0],
      7: ['BL0937CF', 0],
      8: ['WifiLED_n', 0],
      10: ['Btn', 1],
      24: ['BL0937SEL', 0],
      26: ['Rel', 1],
    };
    for (const [g, [role, ch]] of Object.entries(set)) {
      this.state.roles[Number(g)] = roleByName(role)!.index;
      this.state.channels[Number(g)] = ch;
    }
    this.state.startCmd = 'startDriver NTP';
  }

  roleName(g: number): string {
    return roleByIndex(this.state.roles[g] ?? 0)!.name;
  }
}
