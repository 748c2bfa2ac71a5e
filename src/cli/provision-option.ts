/**
 * --provision <file> (run, test) and the rig file's `provision`: the provisioning file applied to
 * each unit after its checks (checks/provision.ts). --provision wins over the rig file. What it
 * gives: the option for the check plan, and the redactor runPlan scrubs every event with.
 */
import type { ParsedCommandArgs as CommandArgs, CommandIo } from './command.js';
import { stringOption } from './args.js';
import path from 'node:path';
import type { Redactor } from '../core/redact.js';
import { loadProvisioningFile, provisioningRedactor, type Provisioning } from '../device/provisioning.js';

export const PROVISION_HELP =
  '--provision <file.json>: Wi-Fi, MQTT, device name and commands written into each unit last, then read back; passwords never appear in any output (docs/provisioning.md)';

export interface ProvisionArgs {
  /** Spread into CheckPlanOptions. */
  checks: { provision?: Provisioning };
  /** Spread into runPlan's options. */
  run: { redactor?: Redactor };
}

export async function provisioningFromArgs(args: CommandArgs, io: CommandIo, rigProvisionPath?: string): Promise<ProvisionArgs> {
  const given = stringOption(args, 'provision');
  const file = given !== undefined ? path.resolve(io.cwd, given) : rigProvisionPath;
  if (!file) return { checks: {}, run: {} };
  const provision = await loadProvisioningFile(file);
  const redactor = provisioningRedactor(provision);
  return { checks: { provision }, run: redactor ? { redactor } : {} };
}
