/**
 * OpenBeken pin roles as the firmware names them: the index in this table is the role number
 * stored in config and printed by /api/pins ("rolenames"). Order taken from the OpenBeken snapshot
 * of docs/openbeken-behaviour.md §1 (OpenBK7231T_App e1a8097, htmlPinRoleNames / ioRole_e): 99 roles, 0 = none (printed as " ").
 */
export const ROLE_NAMES: readonly string[] = [
  ' ',
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

/** Role numbers the simulator gives behaviour to. */
export const Role = {
  None: 0,
  Rel: 1,
  Rel_n: 2,
  Btn: 3,
  Btn_n: 4,
  LED: 5,
  LED_n: 6,
  WifiLED: 8,
  WifiLED_n: 9,
  BL0937SEL: 17,
  BL0937CF: 18,
  BL0937CF1: 19,
  BL0937SEL_n: 64,
  Btn_pd: 89,
  Btn_pd_n: 90,
} as const;

/** BK7231N: /api/pins arrays cover GPIO 0..28 (PLATFORM_GPIO_MAX 29). */
export const GPIO_COUNT = 29;
export const CHANNEL_COUNT = 64;

/**
 * Role name → number, case-insensitive, "None" accepted; numbers are NOT accepted (the firmware's
 * parser only matches names). Returns undefined for an unknown name.
 */
export function parseRoleName(name: string): number | undefined {
  const n = name.trim().toLowerCase();
  if (n === 'none') return Role.None;
  const i = ROLE_NAMES.findIndex((r) => r.toLowerCase() === n);
  return i >= 0 ? i : undefined;
}

export function isRelayRole(role: number): boolean {
  return role === Role.Rel || role === Role.Rel_n || role === Role.LED || role === Role.LED_n;
}

export function isButtonRole(role: number): boolean {
  return role === Role.Btn || role === Role.Btn_n || role === Role.Btn_pd || role === Role.Btn_pd_n;
}

export function isInvertedOutput(role: number): boolean {
  return role === Role.Rel_n || role === Role.LED_n || role === Role.WifiLED_n;
}

/** _n buttons are inverted before the state machine (pressed = reads 1). */
export function isInvertedButton(role: number): boolean {
  return role === Role.Btn_n || role === Role.Btn_pd_n;
}

export function isWifiLedRole(role: number): boolean {
  return role === Role.WifiLED || role === Role.WifiLED_n;
}
