/**
 * Runs the rules over one model: checks each rule's inputs (a rule whose inputs are missing is skipped
 * and says which command would enable it), runs `evaluate` with the configured options, turns a crash
 * into a diagnostic for that rule alone, and gives every finding its severity and fingerprint. Pure: the
 * same timeline, model and config give the same analysis, byte for byte.
 */
import { createHash } from 'node:crypto';
import type { Diagnostic, SourceRef, TimelineRecord } from '../common/types.js';
import type { Timeline } from '../timeline/build.js';
import type { Model } from '../model/types.js';
import type { AnyRule, Finding, FindingDraft, InputNeed, RuleContext, Severity, SeveritySetting } from './types.js';
import type { ResolvedConfig } from './config.js';

export const ANALYSIS_SCHEMA_ID = 'https://perftriage.dev/schemas/analysis.schema.json';
export const ANALYSIS_VERSION = '1.0.0';

/** Evidence lines kept per finding: enough to prove it, few enough to read. */
export const MAX_FINDING_EVIDENCE = 12;

export interface RuleRun {
  id: string;
  title: string;
  severity: SeveritySetting;
  status: 'ran' | 'skipped' | 'off' | 'failed';
  findings: number;
  /** Inputs that were missing (status `skipped`), with the command that would produce each. */
  missing?: { label: string; collect: string }[];
  /** Optional inputs this capture lacks: the rule ran, but could have said more. */
  without?: { label: string; collect: string }[];
  error?: string;
  docs: string;
}

export interface Analysis {
  schema: string;
  version: string;
  bundle: { name: string; kind: string };
  summary: Record<Severity, number>;
  findings: Finding[];
  rules: RuleRun[];
  diagnostics: Diagnostic[];
}

const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, note: 2 };

/** Records by kind, built once per analysis. */
function indexRecords(records: readonly TimelineRecord[]): Map<string, TimelineRecord[]> {
  const byKind = new Map<string, TimelineRecord[]>();
  for (const r of records) {
    const list = byKind.get(r.kind);
    if (list) list.push(r);
    else byKind.set(r.kind, [r]);
  }
  return byKind;
}

function present(need: InputNeed, byKind: ReadonlyMap<string, readonly TimelineRecord[]>): boolean {
  for (const kind of need.kinds) {
    const list = byKind.get(kind);
    if (!list || list.length === 0) continue;
    if (!need.fields || need.fields.length === 0) return true;
    if (list.some((r) => need.fields!.every((f) => r[f] !== undefined))) return true;
  }
  return false;
}

/** Stable across runs of the same workload: the rule and what the rule says identifies the finding. */
export function fingerprintOf(rule: string, identity: readonly string[]): string {
  return createHash('sha256').update([rule, ...identity].join('\u0000')).digest('hex').slice(0, 16);
}

function cleanEvidence(refs: readonly SourceRef[]): SourceRef[] {
  const seen = new Set<string>();
  const out: SourceRef[] = [];
  for (const r of refs) {
    const key = `${r.file}:${r.line}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ file: r.file, line: r.line });
    if (out.length >= MAX_FINDING_EVIDENCE) break;
  }
  return out;
}

function finish(rule: string, severity: Severity, d: FindingDraft): Finding {
  const f: Finding = {
    rule,
    severity,
    title: d.title,
    message: d.message,
    entities: d.entities,
    evidence: cleanEvidence(d.evidence),
    recommendation: d.recommendation,
    fingerprint: fingerprintOf(rule, d.identity),
  };
  if (d.collect && d.collect.length > 0) f.collect = [...d.collect];
  if (d.when) f.when = d.when;
  return f;
}

function compareFindings(a: Finding, b: Finding): number {
  return SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0) || (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0) || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0);
}

export function analyze(timeline: Timeline, model: Model, config: ResolvedConfig, rules: readonly AnyRule[]): Analysis {
  const byKind = indexRecords(timeline.records);
  const empty: readonly TimelineRecord[] = [];
  const context: RuleContext = { model, timeline, records: (kind) => byKind.get(kind) ?? empty };
  const findings: Finding[] = [];
  const runs: RuleRun[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const rule of [...rules].sort((a, b) => (a.meta.id < b.meta.id ? -1 : 1))) {
    const { meta } = rule;
    const setting = config.settings.get(meta.id) ?? { severity: meta.defaultSeverity, options: { ...(meta.defaults as Record<string, unknown>) }, from: 'default' as const };
    const run: RuleRun = { id: meta.id, title: meta.title, severity: setting.severity, status: 'ran', findings: 0, docs: meta.docs };
    runs.push(run);
    if (setting.severity === 'off') {
      run.status = 'off';
      continue;
    }
    const missing = meta.requires.filter((n) => !present(n, byKind));
    if (missing.length > 0) {
      run.status = 'skipped';
      run.missing = missing.map((n) => ({ label: n.label, collect: n.collect }));
      continue;
    }
    const without = meta.uses.filter((n) => !present(n, byKind));
    if (without.length > 0) run.without = without.map((n) => ({ label: n.label, collect: n.collect }));
    try {
      const drafts = rule.evaluate(context, setting.options);
      const severity = setting.severity;
      const fresh = drafts.map((d) => finish(meta.id, severity, d));
      run.findings = fresh.length;
      findings.push(...fresh);
    } catch (err) {
      run.status = 'failed';
      run.error = err instanceof Error ? err.message : String(err);
      diagnostics.push({ severity: 'error', code: 'rule-failed', message: `rule ${meta.id} failed and was skipped: ${run.error}` });
    }
  }
  findings.sort(compareFindings);
  const summary: Record<Severity, number> = { error: 0, warning: 0, note: 0 };
  for (const f of findings) summary[f.severity]++;
  return { schema: ANALYSIS_SCHEMA_ID, version: ANALYSIS_VERSION, bundle: timeline.bundle, summary, findings, rules: runs, diagnostics };
}
