#!/usr/bin/env node
// Shim: the compiled CLI lives in dist/ (npm run build). In a fresh clone it is not there yet, and the
// dependencies may be missing too: say what to run instead of printing a stack trace.
import { existsSync } from 'node:fs';

// The background agent, as connect and the login item start it (`tunnel.js __agent`, nothing after), runs
// without the CLI: commander and the command table would stay in its RSS for its whole life (the bench's
// idle agent: 52.3 → 51.1 and 50.7 MiB).
const isAgent = process.argv.length === 3 && process.argv[2] === '__agent';
const entryFile = isAgent ? 'dist/agent/main.js' : 'dist/cli/main.js';
const entry = new URL(`../${entryFile}`, import.meta.url);

function fail(message, hint) {
  process.stderr.write(`error: ${message}\n  hint: ${hint}\n`);
  process.exitCode = 1;
}

function runAgent(agent) {
  return agent.runAgent().catch((error) => {
    process.stderr.write(`error: the agent failed: ${error?.stack ?? error}\n`);
    process.exitCode = 1;
  });
}

if (!existsSync(entry)) {
  fail(
    `tunnel is not built yet: ${entryFile} is missing`,
    'run npm run build in the tunnel directory (npm run demo and npm test install and build it for you)',
  );
} else {
  import(entry.href).then(
    (module) => (isAgent ? runAgent(module) : module.main(process.argv)),
    (error) => {
      if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
      const what = error.message.split('\n')[0];
      // A package dist/ imports is not installed (node_modules removed), or dist/ is half built.
      if (/Cannot find package/.test(what))
        fail(`a dependency is missing: ${what}`, 'run npm ci in the tunnel directory');
      else fail(`the build in dist/ is incomplete: ${what}`, 'run npm run build in the tunnel directory');
    },
  );
}
