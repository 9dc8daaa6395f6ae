/**
 * Helpers for rule tests: run one rule (or all) through the real pipeline on a bundle folder, or on a
 * bundle written from strings into a temporary folder.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildTimeline } from '../../src/timeline/build.js';
import { buildModel } from '../../src/model/build.js';
import { annotateRecords } from '../../src/model/annotate.js';
import { analyze, resolveConfig, type Analysis } from '../../src/rules/index.js';
import type { AnyRule } from '../../src/rules/types.js';
import { validate } from '../../src/timeline/schemas.js';

/** Analyze a bundle with the given rules (and optional config object); the analysis is schema-checked. */
export async function analyzeWith(path: string, rules: readonly AnyRule[], config?: unknown): Promise<Analysis> {
  const timeline = await buildTimeline(path);
  const model = buildModel(timeline);
  annotateRecords(timeline.records, model);
  const resolved = resolveConfig(config, rules);
  if (resolved.errors.length > 0) throw new Error(resolved.errors.join('; '));
  const analysis = analyze(timeline, model, resolved, rules);
  const v = validate('analysis', analysis);
  if (!v.valid) throw new Error(`analysis does not match its schema: ${v.errors.slice(0, 5).join('; ')}`);
  return analysis;
}

/** Write `files` (bundle path → content) to a temporary folder, run `fn` on it, then remove it. */
export async function withBundle<T>(files: Record<string, string>, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'perftriage-rule-'));
  try {
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), content);
    }
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The files of a flat bundle folder as strings, with `extra` added: a real bundle plus one more capture, for withBundle. */
export function bundleFiles(dir: string, extra: Record<string, string> = {}): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(dir)) files[name] = readFileSync(join(dir, name), 'utf8');
  return { ...files, ...extra };
}
