/**
 * OpenBeken's log lines (docs/openbeken-behaviour.md §7.4): `<Level>:<Feature>:<text>`, as
 * src/logging/logging.c prefixes them. The texts of the lines a boot, a second and a restart print
 * are the firmware's own; the simulator adds nothing that a log parser could mistake for them.
 */
export type ObkLogLevel = 'Error' | 'Warn' | 'Info' | 'Debug';

export function obkLine(level: ObkLogLevel, feature: string, text: string): string {
  return `${level}:${feature}:${text}`;
}

/** First app line of every boot (Main_Init_Before_Delay bumps the boot counter). */
export const BOOT_BANNER = obkLine('Info', 'MAIN', 'Main_Init_Before_Delay');

/** The lines of a boot up to the pins, in the firmware's order. */
export function bootLines(o: { blankConfig: boolean; changes: number; pinsEnabled: boolean }): string[] {
  return [
    BOOT_BANNER,
    o.blankConfig
      ? obkLine('Warn', 'CFG', 'CFG_InitAndLoad: Config crc or ident mismatch. Default config will be loaded.')
      : obkLine('Warn', 'CFG', `CFG_InitAndLoad: Correct config has been loaded with ${o.changes} changes count.`),
    ...(o.pinsEnabled ? [obkLine('Info', 'GEN', 'PIN_SetupPins pins have been set up.')] : []),
    obkLine('Info', 'MAIN', 'Main_Init_After_Delay'),
  ];
}

/** The once-a-second status line (user_main.c); `Time` is the uptime in seconds. */
export function timeLine(uptimeS: number, wifi: boolean): string {
  return obkLine('Info', 'MAIN', `Time ${uptimeS}, idle 0/s, free 100000, MQTT 0(0), bWifi ${wifi ? 1 : 0}, secondsWithNoPing -1, socks 2/38`);
}

export const bootCompleteLine = (s: number) => obkLine('Info', 'MAIN', `Boot complete time reached (${s} seconds)`);
export const restartLine = (s: number) => obkLine('Info', 'CMD', `CMD_Restart: will reboot in ${s}`);
export const rebootCountdownLine = (s: number) => obkLine('Info', 'MAIN', `Module reboot in ${s}...`);
/** Last line of a requested reboot; a boot banner without it before is an unexpected reboot. */
export const REBOOTING_LINE = obkLine('Info', 'MAIN', 'Rebooting...');
