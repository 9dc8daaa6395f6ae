/**
 * The acceptance of the foundation, as a user runs it: `perftriage parse` on every corpus file of the
 * sysstat/procps tools exits 0, reads every line, and writes output that validates against its schema.
 * (Field-by-field agreement with jc's JSON is checked per parser in test/parsers/<tool>.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './run-cli.js';
import { sharedDir, skipWithoutShared, hasShared } from '../helpers.js';
import { validate } from '../../src/timeline/schemas.js';

const TOOLS = ['iostat', 'pidstat', 'top', 'ps', 'lsof', 'df', 'vmstat', 'mpstat'];

for (const tool of TOOLS) {
  const dir = join(sharedDir, 'corpus', tool);
  const files = hasShared ? readdirSync(dir).filter((f) => !f.endsWith('.json')).sort() : [];
  test(`perftriage parse: every ${tool} corpus file (${files.length}) exits 0, unparsed 0, valid output`, { skip: skipWithoutShared }, () => {
    assert.ok(files.length > 0);
    for (const f of files) {
      const r = runCli(['parse', join(dir, f)]);
      assert.equal(r.code, 0, `${f}: ${r.stderr}`);
      const out = JSON.parse(r.stdout) as { tool: string; coverage: { lines: number; data: number; skipped: number; unparsed: number }; records: unknown[] };
      assert.equal(out.tool, tool, f);
      assert.equal(out.coverage.unparsed, 0, f);
      assert.equal(out.coverage.lines, out.coverage.data + out.coverage.skipped, f);
      assert.ok(out.records.length > 0, `${f} yields records`);
      const v = validate('parse-output', out);
      assert.ok(v.valid, `${f}: ${v.errors.slice(0, 3).join('; ')}`);
    }
  });
}
