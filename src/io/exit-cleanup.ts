/**
 * Last-chance release of hardware when the process ends: exported GPIOs and PWM channels are
 * unexported on exit, and on SIGINT/SIGTERM when nobody else handles the signal. When someone does
 * (the CLI aborts its run on the first Ctrl-C), the orderly close releases the lines and the exit
 * hook catches whatever is left.
 */
type Cleanup = () => void;

const pending = new Set<Cleanup>();
let installed = false;

function runAll(): void {
  for (const fn of [...pending]) {
    pending.delete(fn);
    try {
      fn();
    } catch {
      // best effort: the process is going away
    }
  }
}

function onSignal(sig: NodeJS.Signals): void {
  // Others listening means they own the shutdown; we only act when we are the sole listener.
  if (process.listenerCount(sig) > 1) return;
  runAll();
  uninstall();
  process.kill(process.pid, sig); // default action now that our listener is gone
}

/** The process events our cleanups run on (signals re-raise themselves once the cleanups ran). */
const HOOKS = [
  ['exit', runAll],
  ['SIGINT', onSignal],
  ['SIGTERM', onSignal],
] as const;

function install(): void {
  if (installed) return;
  installed = true;
  for (const [event, fn] of HOOKS) process.on(event, fn);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  for (const [event, fn] of HOOKS) process.off(event, fn);
}

/** Registers a synchronous cleanup; the returned function removes it (call it after a normal close). */
export function onProcessExit(fn: Cleanup): () => void {
  pending.add(fn);
  install();
  return () => {
    pending.delete(fn);
    if (pending.size === 0) uninstall();
  };
}

/** For tests: how many cleanups are registered. */
export function pendingExitCleanups(): number {
  return pending.size;
}
