/**
 * The shape of a rule, after ESLint's rule modules: a `meta` that says what the rule is, what it needs
 * and how it is configured, and a pure `evaluate` that reads the model (and the records, already
 * annotated with the model's ids) and returns findings. A rule never joins, never reads files, never
 * throws on odd input; the engine turns a crash into a diagnostic for that rule alone.
 */
import type { SourceRef, TimelineRecord } from '../common/types.js';
import type { Timeline } from '../timeline/build.js';
import type { Model } from '../model/types.js';

export type Severity = 'error' | 'warning' | 'note';
export type SeveritySetting = Severity | 'off';

/**
 * One input a rule reads: present when the timeline has a record of any of `kinds` (with every field in
 * `fields`, when given). `collect` is the command that would produce it, for the "skipped" message.
 */
export interface InputNeed {
  /** What a support engineer calls it: `iostat -x`, `ps -efT or ps -eLf`. */
  label: string;
  kinds: readonly string[];
  fields?: readonly string[];
  collect: string;
}

export interface RuleMeta<O extends object = Record<string, unknown>> {
  /** kebab-case, stable: it is part of every fingerprint and every config file. */
  id: string;
  title: string;
  /** One sentence: what the rule finds. */
  description: string;
  defaultSeverity: Severity;
  /** Every one of these must be present, or the rule is skipped with the commands that would enable it. */
  requires: readonly InputNeed[];
  /** Read when present; their absence is named in the findings' context, never a skip. */
  uses: readonly InputNeed[];
  /** JSON Schema (draft 2020-12) of the options object; every property has a default in `defaults`. */
  optionsSchema: Record<string, unknown>;
  defaults: O;
  /** Doc page, relative to the repository root: `docs/rules/<id>.md`. */
  docs: string;
}

/** The entities a finding is about, by the names a support engineer searches for. */
export interface FindingEntities {
  pids?: number[];
  tids?: number[];
  paths?: string[];
  patterns?: string[];
  devices?: string[];
}

/** What a rule returns; the engine adds rule id, severity and fingerprint. */
export interface FindingDraft {
  title: string;
  /** Specific: names, numbers, times. Plain text (formatters escape it). */
  message: string;
  entities: FindingEntities;
  /** The exact lines that prove it, most telling first; the engine caps and deduplicates. */
  evidence: SourceRef[];
  recommendation: string;
  /**
   * What identifies this finding across runs of the same workload: never PIDs, TIDs or times. Usually the
   * command, the pattern, the device. The engine hashes it with the rule id.
   */
  identity: readonly string[];
  /** Commands that would show more (what to collect next). */
  collect?: string[];
  /** When the condition held (ISO times), if the capture says. */
  when?: { first?: string; last?: string };
}

export interface Finding extends Omit<FindingDraft, 'identity'> {
  rule: string;
  severity: Severity;
  fingerprint: string;
}

/** What a rule can read. `records(kind)` is indexed once per run; the records carry `entities`. */
export interface RuleContext {
  model: Model;
  timeline: Timeline;
  records(kind: string): readonly TimelineRecord[];
}

export interface RuleModule<O extends object = Record<string, unknown>> {
  meta: RuleMeta<O>;
  evaluate(context: RuleContext, options: O): FindingDraft[];
}

/**
 * A rule of any options type, as the registry holds them. `evaluate` is declared as a method, so its
 * parameter is bivariant and a `RuleModule<{ min_util_pct: number }>` fits here; the engine only ever
 * passes options validated against that rule's own schema.
 */
export type AnyRule = RuleModule<object>;

/**
 * The options every "sustained over samples" rule shares, as JSON Schema properties: how many samples must
 * show the condition, and what share of all samples they must be.
 */
export const SUSTAINED_OPTIONS = {
  min_samples: { type: 'integer', minimum: 1 },
  min_fraction: { type: 'number', minimum: 0, maximum: 1 },
} as const;
