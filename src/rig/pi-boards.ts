/**
 * Raspberry Pi facts the rig needs (docs/raspberry-pi-io.md §2.2): which header GPIOs reach which
 * hardware PWM channel, on which chip device, at which clock.
 */
import type { PiBoard, PwmChannelConfig } from './config-types.js';

interface BoardFacts {
  pwmDevice: string;
  pwmClockHz: number;
  /** BCM GPIO → PWM channel (with the pwm / pwm-2chan overlays). */
  pwmChannelOfBcm: Record<number, number>;
}

export const BOARDS: Record<PiBoard, BoardFacts> = {
  // bcm2711 PWM0 at fe20c000, 2 channels; GPIO12/18 → ch0, GPIO13/19 → ch1; 10 MHz clock (100 ns)
  pi4: { pwmDevice: 'fe20c000.pwm', pwmClockHz: 10_000_000, pwmChannelOfBcm: { 12: 0, 18: 0, 13: 1, 19: 1 } },
  // RP1 PWM0 at 1f00098000, 4 channels; 12 → 0, 13 → 1, 18 → 2, 19 → 3; 50 MHz clock (20 ns). PWM1 drives the fan.
  pi5: { pwmDevice: '1f00098000.pwm', pwmClockHz: 50_000_000, pwmChannelOfBcm: { 12: 0, 13: 1, 18: 2, 19: 3 } },
};

export function defaultPwmChannel(board: PiBoard, bcm: number): PwmChannelConfig | undefined {
  const b = BOARDS[board];
  const channel = b.pwmChannelOfBcm[bcm];
  return channel === undefined ? undefined : { chipDevice: b.pwmDevice, channel, clockHz: b.pwmClockHz };
}

/** Header GPIOs the PL011 UART takes when the rig uses it (/dev/ttyAMA0, /dev/serial0). */
export const PL011_BCM = [14, 15];
export const isHeaderUart = (path: string) => /^\/dev\/(ttyAMA0|serial0)$/.test(path);
