// Test probe (test/cli/startup.test.ts): appends every module the process loads to the file named by
// PERFTRIAGE_LOAD_LOG, one URL or path a line. ES modules through a resolve hook (it runs on the hooks
// thread, hence the file); CommonJS ones (ajv, papaparse, loaded with require) through Module._load.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const log = process.env.PERFTRIAGE_LOAD_LOG;
if (log) {
  register('./log-loads-hooks.mjs', import.meta.url, { data: { log } });
  const Module = createRequire(import.meta.url)('node:module');
  const load = Module._load;
  Module._load = function (request, parent, isMain) {
    const exported = load.call(this, request, parent, isMain);
    try {
      appendFileSync(log, `${Module._resolveFilename(request, parent, isMain)}\n`);
    } catch {
      // a built-in or an unresolvable request: nothing to record
    }
    return exported;
  };
}
