/**
 * The Wi-Fi LED as OpenBeken drives it (facts from OpenBK7231T_App e1a8097, see
 * docs/openbeken-behaviour.md §5):
 * - QuickTick, every 25 ms (src/user_main.c ~1178-1202): in open-AP mode toggle the state once the
 *   accumulated time exceeds 250 ms (strictly greater, so ~275 ms half-periods, ~550 ms period);
 *   while not connected ("connecting", including the first ~5 s before the AP is up) toggle after
 *   > 500 ms (~525 ms halves); connected as a client: write "on" every tick without touching the
 *   state. Each toggle writes the new state to the pad through PIN_set_wifi_led.
 * - The state starts off (`g_wifi_ledState = 0`, user_main.c ~1114), so the first toggle after boot
 *   turns the LED ON.
 * - The accumulator's first delta is the whole RTOS uptime (`g_last_time` starts at 0,
 *   user_main.c ~1115 and ~1144), so the first toggle can come sooner than a full half-period.
 * - Assigning a WifiLED or WifiLED_n role only makes the pad an output (new_pins.c ~1254-1258),
 *   and on Beken that drives it LOW (hal_pins_bk7231.c HAL_PIN_Setup_Output ~100-103): nothing
 *   maps the LED state onto the pad until the next PIN_set_wifi_led. For WifiLED_n the first
 *   toggle (on → pad low) therefore makes no edge; for WifiLED it is a rising edge.
 */
export const WIFI_LED_FAST_MS = 250;
export const WIFI_LED_SLOW_MS = 500;
/** Pad level right after a Wi-Fi LED role is assigned (HAL_PIN_Setup_Output on Beken). */
export const WIFI_LED_SETUP_LEVEL = 0;

export type WifiMode = 'connecting' | 'ap' | 'connected';

export interface WifiLedState {
  on: boolean;
  accMs: number;
}

export const INITIAL_WIFI_LED: WifiLedState = { on: false, accMs: 0 };

/** The state at pin setup: off, with the RTOS uptime so far already in the accumulator. */
export function wifiLedAtBoot(rtosUptimeMs: number): WifiLedState {
  return { on: false, accMs: Math.max(0, rtosUptimeMs) };
}

export function stepWifiLed(prev: WifiLedState, mode: WifiMode, dtMs: number): WifiLedState {
  if (mode === 'connected') return { on: true, accMs: prev.accMs };
  const limit = mode === 'ap' ? WIFI_LED_FAST_MS : WIFI_LED_SLOW_MS;
  const acc = prev.accMs + dtMs;
  return acc > limit ? { on: !prev.on, accMs: 0 } : { on: prev.on, accMs: acc };
}

/**
 * What one tick hands PIN_set_wifi_led: the new state when it toggled, "on" every tick when
 * connected, null when the pad is not written this tick (it keeps its last level).
 */
export function wifiLedWrite(prev: WifiLedState, next: WifiLedState, mode: WifiMode): boolean | null {
  if (mode === 'connected') return true;
  return next.on !== prev.on ? next.on : null;
}

/** GPIO level for a logical LED state: WifiLED drives high for on, WifiLED_n low for on. */
export function wifiLedLevel(on: boolean, invertedRole: boolean): 0 | 1 {
  return on !== invertedRole ? 1 : 0;
}
