/**
 * OpenBeken pin roles: the short names the firmware's `SetPinRole` and templates use, indexed by
 * role number (the order of OpenBeken's role-name table, docs/openbeken-behaviour.md §1/§2; index = the
 * number /api/pins reports in "roles"). Only the roles the fixture can check carry a kind.
 */

// Index = OpenBeken role number. Index 0 prints as " " on the device; templates write it as "None".
const ROLE_NAMES: readonly string[] = [
  'None',
  'Rel',
  'Rel_n',
  'Btn',
  'Btn_n',
  'LED',
  'LED_n',
  'PWM',
  'WifiLED',
  'WifiLED_n',
  'Btn_Tgl_All',
  'Btn_Tgl_All_n',
  'dInput',
  'dInput_n',
  'TglChanOnTgl',
  'dInput_NoPullUp',
  'dInput_NoPullUp_n',
  'BL0937SEL',
  'BL0937CF',
  'BL0937CF1',
  'ADC',
  'SM2135DAT',
  'SM2135CLK',
  'BP5758D_DAT',
  'BP5758D_CLK',
  'BP1658CJ_DAT',
  'BP1658CJ_CLK',
  'PWM_n',
  'IRRecv',
  'IRSend',
  'Btn_NextColor',
  'Btn_NextColor_n',
  'Btn_NextDimmer',
  'Btn_NextDimmer_n',
  'AlwaysHigh',
  'AlwaysLow',
  'UCS1912_DIN',
  'SM16703P_DIN',
  'Btn_NextTemperature',
  'Btn_NextTemperature_n',
  'Btn_ScriptOnly',
  'Btn_ScriptOnly_n',
  'DHT11',
  'DHT12',
  'DHT21',
  'DHT22',
  'CHT83XX_SDA',
  'CHT83XX_SCK',
  'SHT3X_SDA',
  'SHT3X_SCK',
  'SoftSDA',
  'SoftSCL',
  'SM2235DAT',
  'SM2235CLK',
  'BridgeFWD',
  'BridgeREV',
  'Btn_SmartLED',
  'Btn_SmartLED_n',
  'DoorSnsrWSleep',
  'DoorSnsrWSleep_nPup',
  'BAT_ADC',
  'BAT_Relay',
  'TM1637_DIO',
  'TM1637_CLK',
  'BL0937SEL_n',
  'DoorSnsrWSleep_pd',
  'SGP_CLK',
  'SGP_DAT',
  'ADC_Button',
  'GN6932_CLK',
  'GN6932_DAT',
  'GN6932_STB',
  'TM1638_CLK',
  'TM1638_DAT',
  'TM1638_STB',
  'BAT_Relay_n',
  'KP18058_CLK',
  'KP18058_DAT',
  'DS1820_IO',
  'PWM_ScriptOnly',
  'PWM_ScriptOnly_n',
  'Counter_f',
  'Counter_r',
  'IRRecv_nPup',
  'StripState',
  'StripState_n',
  'HLW_8112_SCSN',
  'RCRecv',
  'RCRecv_nPup',
  'Btn_pd',
  'Btn_pd_n',
  'TglChanOnTgl_pd',
  'ShutterA',
  'ShutterB',
  'BtnShutterUp',
  'BtnShutterDown',
  'BL0939_SCLK',
  'BL0939_MOSI',
  'BL0939_MISO',
];

/** What the fixture can do with a role. 'other' roles are accepted but not checked. */
export type RoleKind = 'none' | 'relay' | 'button' | 'wifiLed' | 'led' | 'bl0937Sel' | 'bl0937Cf' | 'bl0937Cf1' | 'other';

export interface PinRole {
  /** Canonical spelling (as OpenBeken prints it, "None" for 0). */
  readonly name: string;
  /** OpenBeken role number. */
  readonly index: number;
  readonly kind: RoleKind;
  /**
   * Inverted polarity: Rel_n/LED_n on = GPIO low; WifiLED_n on = low; Btn_n pressed = high;
   * BL0937SEL_n: SEL high = current window (§2, §6).
   */
  readonly inverted: boolean;
}

const KIND_BY_NAME: Record<string, [RoleKind, boolean]> = {
  None: ['none', false],
  Rel: ['relay', false],
  Rel_n: ['relay', true],
  Btn: ['button', false],
  Btn_n: ['button', true],
  LED: ['led', false],
  LED_n: ['led', true],
  WifiLED: ['wifiLed', false],
  WifiLED_n: ['wifiLed', true],
  BL0937SEL: ['bl0937Sel', false],
  BL0937SEL_n: ['bl0937Sel', true],
  BL0937CF: ['bl0937Cf', false],
  BL0937CF1: ['bl0937Cf1', false],
};

// Names people write from Tasmota habits or the web UI's long labels.
const ALIASES: Record<string, string> = {
  relay: 'Rel',
  relay_n: 'Rel_n',
  button: 'Btn',
  button_n: 'Btn_n',
  'wifi led': 'WifiLED',
  'wifi led_n': 'WifiLED_n',
  wifi_led: 'WifiLED',
  wifi_led_n: 'WifiLED_n',
  led_wifi: 'WifiLED',
  led_wifi_n: 'WifiLED_n',
  sel: 'BL0937SEL',
  cf: 'BL0937CF',
  cf1: 'BL0937CF1',
  digitalinput: 'dInput',
  digitalinput_n: 'dInput_n',
};

function makeRole(index: number): PinRole {
  const name = ROLE_NAMES[index]!;
  const [kind, inverted] = KIND_BY_NAME[name] ?? ['other', false];
  return { name, index, kind, inverted };
}

const BY_LOWER = new Map<string, number>(ROLE_NAMES.map((n, i) => [n.toLowerCase(), i]));

/** Number of roles known to this table. */
export const ROLE_COUNT = ROLE_NAMES.length;

/** Looks a role up the way the firmware does: case-insensitively, "None" = 0. */
export function roleByName(name: string): PinRole | undefined {
  const i = BY_LOWER.get(name.trim().toLowerCase());
  return i === undefined ? undefined : makeRole(i);
}

export function roleByIndex(index: number): PinRole | undefined {
  return Number.isInteger(index) && index >= 0 && index < ROLE_NAMES.length ? makeRole(index) : undefined;
}

/** The closest known name for a misspelt role, for "did you mean" hints. */
export function suggestRole(name: string): string | undefined {
  const lower = name.trim().toLowerCase();
  const alias = ALIASES[lower];
  if (alias) return alias;
  let best: string | undefined;
  let bestDist = Infinity;
  for (const candidate of ROLE_NAMES) {
    const d = editDistance(lower, candidate.toLowerCase());
    if (d < bestDist) {
      bestDist = d;
      best = candidate;
    }
  }
  // Only suggest when the spelling is plausibly the same word.
  return bestDist <= Math.max(2, Math.floor(lower.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
