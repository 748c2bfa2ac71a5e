/**
 * OpenBeken's button state machine as a pure function of (state, sampled level, elapsed ms).
 * The firmware polls buttons every 25 ms: a new level must persist for >= 75 ms of accumulated
 * poll time before the machine sees it; a release followed by 300 ms of quiet is a click (more
 * presses inside the window count more clicks); a press held past 1000 ms is a long press (no
 * click), then a hold event every > 500 ms. A re-press held past the click window abandons the
 * sequence. Times are the firmware defaults (short 3, long 10, repeat 5 in units of 100 ms).
 */
export const BUTTON_POLL_MS = 25;
export const BUTTON_DEBOUNCE_MS = 75;

export interface ButtonTimes {
  shortMs: number;
  longMs: number;
  holdRepeatMs: number;
}

export const DEFAULT_BUTTON_TIMES: ButtonTimes = { shortMs: 300, longMs: 1000, holdRepeatMs: 500 };

/** idle, held (first or later press), waiting for another press, re-pressed, long hold. */
export type ButtonPhase = 'idle' | 'pressed' | 'released' | 'repressed' | 'long';

export interface ButtonState {
  phase: ButtonPhase;
  /** Debounced level the machine works on. */
  level: 0 | 1;
  /** Level that means "pressed" after any _n inversion (0 for Btn with its pull-up). */
  activeLevel: 0 | 1;
  debounceMs: number;
  ticksMs: number;
  holdMs: number;
  clicks: number;
}

export type ButtonEvent =
  | { kind: 'press' }
  | { kind: 'release' }
  | { kind: 'click'; count: number } // count 1 = single, 2 = double, ... up to 5
  | { kind: 'long-start' }
  | { kind: 'hold' };

export function initialButtonState(level: 0 | 1, activeLevel: 0 | 1 = 0): ButtonState {
  return { phase: 'idle', level, activeLevel, debounceMs: 0, ticksMs: 0, holdMs: 0, clicks: 0 };
}

export function stepButton(
  prev: ButtonState,
  sample: 0 | 1,
  dtMs: number,
  times: ButtonTimes = DEFAULT_BUTTON_TIMES,
): { state: ButtonState; events: ButtonEvent[] } {
  const s: ButtonState = { ...prev };
  const events: ButtonEvent[] = [];
  if (s.phase !== 'idle') s.ticksMs += dtMs;

  // debounce: the new level must hold for BUTTON_DEBOUNCE_MS of poll time
  if (sample !== s.level) {
    s.debounceMs += dtMs;
    if (s.debounceMs >= BUTTON_DEBOUNCE_MS) {
      s.level = sample;
      s.debounceMs = 0;
    }
  } else {
    s.debounceMs = 0;
  }
  const down = s.level === s.activeLevel;

  switch (s.phase) {
    case 'idle':
      if (down) {
        events.push({ kind: 'press' });
        s.ticksMs = 0;
        s.clicks = 1;
        s.phase = 'pressed';
      }
      break;
    case 'pressed':
      if (!down) {
        events.push({ kind: 'release' });
        s.ticksMs = 0;
        s.phase = 'released';
      } else if (s.ticksMs > times.longMs) {
        events.push({ kind: 'long-start' });
        s.holdMs = 0;
        s.phase = 'long';
      }
      break;
    case 'released':
      if (down) {
        events.push({ kind: 'press' });
        s.clicks++;
        s.ticksMs = 0;
        s.phase = 'repressed';
      } else if (s.ticksMs > times.shortMs) {
        if (s.clicks >= 1 && s.clicks <= 5) events.push({ kind: 'click', count: s.clicks });
        s.phase = 'idle';
      }
      break;
    case 'repressed':
      if (!down) {
        events.push({ kind: 'release' });
        if (s.ticksMs < times.shortMs) {
          s.ticksMs = 0;
          s.phase = 'released';
        } else {
          s.phase = 'idle'; // re-press held too long: the whole sequence is dropped
        }
      }
      break;
    case 'long':
      if (down) {
        s.holdMs += dtMs;
        if (s.holdMs > times.holdRepeatMs) {
          events.push({ kind: 'hold' });
          s.holdMs = 0;
        }
      } else {
        events.push({ kind: 'release' });
        s.phase = 'idle';
      }
      break;
  }
  return { state: s, events };
}
