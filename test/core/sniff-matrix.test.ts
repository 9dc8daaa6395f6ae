/**
 * Every detector together, as the timeline runs them: each fixture and each corpus file is claimed by
 * the tool of its folder, and by no other.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fixturesDir, sharedDir, skipWithoutShared, listDir } from '../helpers.js';
import { sniffLines } from '../../src/sniff/sniff.js';
import { detectors } from '../../src/sniff/detectors/index.js';
import { splitLinesOf } from '../../src/bundle/lines.js';
import { SNIFF_LINES } from '../../src/sniff/types.js';

/** Fixtures that hold no output of their tool on purpose (only its stderr), so nothing should claim them. */
const EXPECTED_UNRECOGNIZED = new Set(['lsof/recorded-lsof-warning.txt']);

/** Folders that hold inputs of one tool; `bundle` holds archives, `sarif` the vendored SARIF schema and `downsample` small bundles, not captures of one tool. */
const NOT_TOOL_FOLDERS = new Set(['bundle', 'sarif', 'downsample']);

function captureFiles(root: string): { tool: string; path: string }[] {
  const out: { tool: string; path: string }[] = [];
  for (const tool of listDir(root)) {
    const dir = join(root, tool);
    if (NOT_TOOL_FOLDERS.has(tool) || !statSync(dir).isDirectory()) continue;
    for (const f of readdirSync(dir).sort()) {
      // jc's expected .json and provenance notes are not captures.
      if (f.endsWith('.json') && f.startsWith('jc-')) continue;
      if (f.endsWith('.md')) continue;
      const path = join(dir, f);
      if (statSync(path).isFile()) out.push({ tool, path });
    }
  }
  return out;
}

function sniffFile(path: string): string | undefined {
  const head = splitLinesOf(readFileSync(path)).slice(0, SNIFF_LINES).map((l) => l.text);
  return sniffLines(head, detectors).result?.tool;
}

test('every fixture is recognized as the tool of its folder', () => {
  const files = captureFiles(fixturesDir);
  assert.ok(files.length > 60, `${files.length} fixtures`);
  const wrong = files.filter((f) => sniffFile(f.path) !== f.tool && !EXPECTED_UNRECOGNIZED.has(`${f.tool}/${f.path.split('/').pop()}`)).map((f) => `${f.path}: ${sniffFile(f.path) ?? 'nothing'}`);
  assert.deepEqual(wrong, []);
});

test('every corpus file is recognized as the tool of its folder', { skip: skipWithoutShared }, () => {
  const files = captureFiles(join(sharedDir, 'corpus'));
  assert.ok(files.length > 50, `${files.length} corpus files`);
  const wrong = files.filter((f) => sniffFile(f.path) !== f.tool).map((f) => `${f.path}: ${sniffFile(f.path) ?? 'nothing'}`);
  assert.deepEqual(wrong, []);
});
