#!/usr/bin/env node
// Runs the compiled CLI from dist/ (built by `npm run build`, which `prepare` runs on npm ci/pack).
// No TypeScript loader here: start-up cost counts against every command, every flash.
let main;
try {
  ({ main } = await import('../dist/cli/main.js'));
} catch (e) {
  if (e?.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('dist/cli/main.js')) {
    process.stderr.write("E_NOT_BUILT: plugrig's compiled code (dist/) is missing (run `npm run build` in the checkout)\n");
    process.exit(1);
  }
  throw e;
}
process.exitCode = await main(process.argv.slice(2));
