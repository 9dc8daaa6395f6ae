/**
 * Every rule perftriage runs, in id order. A rule is one module under `rules/` with its test in
 * `test/rules/` and its page in `docs/rules/`.
 */
import type { AnyRule } from './types.js';
import { rule as diskSaturation } from './rules/disk-saturation.js';

export const allRules: readonly AnyRule[] = [diskSaturation].sort((a, b) => (a.meta.id < b.meta.id ? -1 : 1));

export { analyze, type Analysis, type RuleRun } from './engine.js';
export { resolveConfig, type ResolvedConfig } from './config.js';
export type { Finding, FindingDraft, RuleModule, RuleContext, Severity } from './types.js';
