import type { ObkClient } from '../device/obk-client.js';
import type { TemplatePin } from '../device/template.js';
import type { InputLine } from '../io/types.js';

/** What a check that commands the device and watches one of its template's pads through a rig input line is given. */
export interface WatchedPadConfig {
  /** The phase's name (each check has its default). */
  name?: string;
  pin: TemplatePin;
  line: InputLine;
  client: ObkClient;
}
