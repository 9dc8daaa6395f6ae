/**
 * Every rule perftriage runs, in id order. A rule is one module under `rules/` with its test in
 * `test/rules/` and its page in `docs/rules/`.
 */
import type { AnyRule } from './types.js';
import { rule as captureQuality } from './rules/capture-quality.js';
import { rule as cpuIowait } from './rules/cpu-iowait.js';
import { rule as cpuLockups } from './rules/cpu-lockups.js';
import { rule as cpuSaturation } from './rules/cpu-saturation.js';
import { rule as dStateThreads } from './rules/d-state-threads.js';
import { rule as diskSaturation } from './rules/disk-saturation.js';
import { rule as excessiveLogging } from './rules/excessive-logging.js';
import { rule as ioHeavyProcess } from './rules/io-heavy-process.js';
import { rule as memoryPressure } from './rules/memory-pressure.js';
import { rule as pageCacheAbsorbed } from './rules/page-cache-absorbed.js';
import { rule as pressureStalls } from './rules/pressure-stalls.js';
import { rule as storageErrors } from './rules/storage-errors.js';
import { rule as straceMissedThreads } from './rules/strace-missed-threads.js';
import { rule as tempFileChurn } from './rules/temp-file-churn.js';

export const allRules: readonly AnyRule[] = [
  captureQuality,
  cpuIowait,
  cpuLockups,
  cpuSaturation,
  dStateThreads,
  diskSaturation,
  excessiveLogging,
  ioHeavyProcess,
  memoryPressure,
  pageCacheAbsorbed,
  pressureStalls,
  storageErrors,
  straceMissedThreads,
  tempFileChurn,
].sort((a, b) => (a.meta.id < b.meta.id ? -1 : 1));

export { analyze, type Analysis, type RuleRun } from './engine.js';
export { resolveConfig, type ResolvedConfig } from './config.js';
export type { Finding, FindingDraft, RuleModule, RuleContext, Severity } from './types.js';
