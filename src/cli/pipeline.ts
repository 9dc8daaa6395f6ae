/**
 * The whole pipeline for one bundle, as the analyze/report/check commands run it: timeline → model →
 * the model's ids on the records → rules. The config file is read and validated here (exit 2 on error).
 */
import { existsSync, readFileSync } from 'node:fs';
import { isRereadable } from '../bundle/bundle.js';
import { buildTimeline, type Timeline, type TimelineOptions } from '../timeline/build.js';
import { collectGarbageAbove } from '../timeline/collector.js';
import { ParsePool, WORKER_HEAP_MB, workerHeapLimits } from '../timeline/pool.js';
import { buildModel } from '../model/build.js';
import { annotateRecords } from '../model/annotate.js';
import type { Model } from '../model/types.js';
import { allRules, analyze, resolveConfig, type Analysis, type ResolvedConfig } from '../rules/index.js';
import { UsageError, note } from './output.js';
import { DEFAULT_CONFIG } from './args.js';

export interface PipelineResult {
  timeline: Timeline;
  model: Model;
  analysis: Analysis;
}

/** `--config FILE`, else `./perftriage.config.json` when it exists, else the rules' defaults. */
export function loadConfig(explicit: string | undefined): ResolvedConfig {
  const path = explicit ?? (existsSync(DEFAULT_CONFIG) ? DEFAULT_CONFIG : undefined);
  if (!path) return resolveConfig(undefined, allRules);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`${path}: cannot read the config: ${err instanceof Error ? err.message : String(err)}`);
  }
  const config = resolveConfig(raw, allRules, path);
  if (config.errors.length > 0) throw new UsageError(config.errors.slice(0, 5).join('; '));
  if (!explicit) note(`using ${path}`);
  return config;
}

export async function runPipeline(path: string, options: TimelineOptions, config: ResolvedConfig): Promise<PipelineResult> {
  // Analysis reads aggregates, not per-call records: bounded memory on multi-GB traces.
  const timeline = await buildTimeline(path, { ...options, summarize: true });
  if (timeline.files.length === 0) {
    const why = timeline.skipped.map((s) => `${s.path}: ${s.reason}`).slice(0, 5).join('; ');
    throw new UsageError(`${path}: nothing analyzable${why ? ` (${why})` : timeline.diagnostics[0] ? ` (${timeline.diagnostics[0].message})` : ''}`);
  }
  // A big heap's garbage goes before the next stage allocates on top of it (collector.ts: the peak of memory).
  collectGarbageAbove();
  const model = buildModel(timeline);
  annotateRecords(timeline.records, model);
  const analysis = analyze(timeline, model, config, allRules);
  collectGarbageAbove();
  return { timeline, model, analysis };
}

/**
 * Run `each` on every bundle of a run, `jobs` at a time, their files parsed by one shared worker pool;
 * results in the order of `paths`, whatever finished first. With --redact the bundles go one after the
 * other: pseudonyms are given in order of first sight, and that order must not depend on timing.
 */
export async function forEachBundle<T>(paths: readonly string[], options: TimelineOptions, each: (path: string, options: TimelineOptions) => Promise<T>): Promise<T[]> {
  const jobs = options.jobs ?? 1;
  if (paths.length < 2 || jobs < 2) {
    const out: T[] = [];
    // Sequential: one bundle's timeline and model are dropped before the next is read.
    for (const path of paths) out.push(await each(path, options));
    return out;
  }
  // Heap limits only when every bundle can be read again (a file whose worker runs out of memory is
  // then parsed on the main thread; buildTimeline checks each bundle all the same).
  const pool = new ParsePool(jobs, paths.every(isRereadable) ? workerHeapLimits(options.workerHeapMb ?? WORKER_HEAP_MB) : undefined);
  const shared: TimelineOptions = { ...options, pool };
  const lanes = options.redactor ? 1 : jobs;
  const out = new Array<T>(paths.length);
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: Math.min(lanes, paths.length) }, async () => {
        while (next < paths.length) {
          const k = next++;
          out[k] = await each(paths[k]!, shared);
        }
      }),
    );
  } finally {
    await pool.close();
  }
  return out;
}

