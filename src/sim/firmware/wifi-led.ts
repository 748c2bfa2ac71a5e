/**
 * The Wi-Fi LED as OpenBeken drives it from its 25 ms quick tick: in open-AP mode toggle once the
 * accumulated time exceeds 250 ms (strictly greater, so ~275 ms half-periods at 25 ms ticks,
 * ~550 ms period); while not connected ("connecting", including the first ~5 s before the AP is
 * up) toggle after > 500 ms (~1.05 s period); connected as a client: steadily on.
 */
export const WIFI_LED_FAST_MS = 250;
export const WIFI_LED_SLOW_MS = 500;

export type WifiMode = 'connecting' | 'ap' | 'connected';

export interface WifiLedState {
  on: boolean;
  accMs: number;
}

export const INITIAL_WIFI_LED: WifiLedState = { on: false, accMs: 0 };

export function stepWifiLed(prev: WifiLedState, mode: WifiMode, dtMs: number): WifiLedState {
  if (mode === 'connected') return { on: true, accMs: prev.accMs };
  const limit = mode === 'ap' ? WIFI_LED_FAST_MS : WIFI_LED_SLOW_MS;
  const acc = prev.accMs + dtMs;
  return acc > limit ? { on: !prev.on, accMs: 0 } : { on: prev.on, accMs: acc };
}

/** GPIO level for a logical LED state: WifiLED drives high for on, WifiLED_n low for on. */
export function wifiLedLevel(on: boolean, invertedRole: boolean): 0 | 1 {
  return on !== invertedRole ? 1 : 0;
}
