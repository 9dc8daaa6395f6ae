/** Shared test utilities: where the repo, its fixtures and the optional ../shared corpus are. */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import type { ParserModule } from '../src/parsers/types.js';
import { parseText, type ParseResult } from '../src/parsers/run.js';
import { validateRecord } from '../src/timeline/schemas.js';

function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('repo root not found');
    dir = up;
  }
  return dir;
}

export const repoRoot = findRepoRoot();
export const fixturesDir = join(repoRoot, 'test', 'fixtures');
/** `../shared` beside the checkout: real captures that are not ours to copy (GPL) or too big. Absent on a user's clone. */
export const sharedDir = join(repoRoot, '..', 'shared');
export const hasShared = existsSync(join(sharedDir, 'corpus'));
/** Pass as `{ skip }` to node:test for tests that need ../shared. */
export const skipWithoutShared = hasShared ? false : '../shared is absent (tests on GPL or large real captures run only beside it)';

export function fixture(...parts: string[]): string {
  return join(fixturesDir, ...parts);
}

export function readFixture(...parts: string[]): string {
  return readFileSync(fixture(...parts), 'utf8');
}

export function listDir(dir: string, suffix = ''): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(suffix)).sort() : [];
}

/** Parse a file from disk with a parser module, the way the CLI does. */
export function parseFile(module: ParserModule, path: string, variant = ''): ParseResult {
  return parseText(module, path, readFileSync(path), variant);
}

/** The invariants every parse result must keep, whatever the input. */
export function assertCoverageInvariant(result: ParseResult): void {
  const c = result.coverage;
  assert.equal(c.lines, c.data + c.skipped + c.unparsed, `${result.file}: lines != data + skipped + unparsed`);
  assert.equal(result.diagnostics.filter((d) => d.code === 'unparsed-line').length, Math.min(c.unparsed, 200));
}

/** Every record validates against the common envelope and its tool's schema. */
export function assertRecordsValid(result: ParseResult): void {
  for (const record of result.records) {
    const v = validateRecord(record);
    assert.ok(v.valid, `${record.source.file}:${record.source.line} ${record.kind}: ${v.errors.join('; ')}`);
  }
}

/** A clean parse: nothing unparsed, invariants hold, every record valid. */
export function assertCleanParse(result: ParseResult): void {
  assertCoverageInvariant(result);
  const unparsed = result.diagnostics.filter((d) => d.code === 'unparsed-line').slice(0, 5);
  assert.equal(result.coverage.unparsed, 0, `${result.file}: unparsed lines: ${unparsed.map((d) => `${d.line}: ${d.message}`).join(' | ')}`);
  assertRecordsValid(result);
}

/**
 * Files that another tool wrote: the shared corpus of every other tool, the popularity capture's files
 * (less those of `tool`), and this repo's other fixture folders. A detector must claim none of them.
 */
export function otherToolFiles(tool: string, isOwnCaptureFile: (name: string) => boolean = () => false): string[] {
  const out: string[] = [];
  const corpus = join(sharedDir, 'corpus');
  for (const t of listDir(corpus)) {
    const dir = join(corpus, t);
    if (t === tool || !statSync(dir).isDirectory()) continue;
    for (const f of readdirSync(dir)) if (statSync(join(dir, f)).isFile()) out.push(join(dir, f));
  }
  const popularity = join(sharedDir, 'captures', 'popularity');
  for (const f of listDir(popularity)) if (!isOwnCaptureFile(f) && statSync(join(popularity, f)).isFile()) out.push(join(popularity, f));
  for (const t of listDir(fixturesDir)) {
    const dir = join(fixturesDir, t);
    if (t === tool || !statSync(dir).isDirectory()) continue;
    for (const f of readdirSync(dir)) if (!f.endsWith('.md') && statSync(join(dir, f)).isFile()) out.push(join(dir, f));
  }
  return out;
}
