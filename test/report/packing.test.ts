/**
 * The same capture as a folder, a tar.gz and a zip (entries in another order) gives byte-identical HTML,
 * Markdown and JSON reports, and no output carries the machine's paths or clock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { runCli } from '../cli/run-cli.js';
import { repoRoot } from '../helpers.js';
import { zipArchive } from '../bundle/archives.js';

const seed = join(repoRoot, 'samples', 'seed-case');

test('seed case packed three ways: identical report bytes in every format; no local path or run time in them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'perftriage-packing-'));
  try {
    const names = readdirSync(seed).sort();
    const tgz = join(dir, 'seed-case.tar.gz');
    // Reverse order inside the archives: the report must not depend on the order of entries.
    await tar.c({ gzip: true, file: tgz, cwd: join(seed, '..') }, [...names].reverse().map((n) => `seed-case/${n}`));
    const zip = join(dir, 'seed-case.zip');
    writeFileSync(zip, zipArchive([...names].reverse().map((n) => ({ name: `seed-case/${n}`, data: readFileSync(join(seed, n)), method: 'deflate' as const }))));
    for (const format of ['json', 'md', 'html']) {
      const outputs = [seed, tgz, zip].map((p) => {
        const r = runCli(['report', p, '--format', format]);
        assert.equal(r.code, 0, r.stderr);
        return r.stdout;
      });
      assert.equal(outputs[1], outputs[0], `${format}: tar.gz differs from the folder`);
      assert.equal(outputs[2], outputs[0], `${format}: zip differs from the folder`);
      for (const leak of [repoRoot, dir]) assert.ok(!outputs[0]!.includes(leak), `${format} holds the local path ${leak}`);
      const today = new Date().toISOString().slice(0, 10);
      assert.ok(!outputs[0]!.includes(today), `${format} holds today's date`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
