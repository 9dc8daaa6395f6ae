/**
 * The result of `perftriage check`: what the rules found in each bundle and what the capture policy
 * says, merged into one list of findings, each knowing its bundle, whether it is new against a baseline
 * and whether it fails the run. Every CI format (SARIF, JUnit, GitHub annotations, GitLab Code Quality,
 * text, JSON) is a pure function of this object.
 *
 * Gate:
 * - a rule finding fails the run when its severity is at or above `--fail-on` and it is not in the
 *   baseline (its fingerprint was not in the previous run);
 * - a capture-policy violation always fails the run, whatever `--fail-on` and the baseline say: an
 *   incomplete capture cannot show that nothing is wrong;
 * - a path that could not be analyzed makes the exit code 2, after every output has been written.
 *
 * Baseline fingerprints are compared over the whole run, not per bundle: the same workload captured
 * again lands in another folder, and its findings keep their fingerprints.
 */
import { createHash } from 'node:crypto';
import type { Diagnostic, SourceRef } from '../common/types.js';
import type { AnyRule, Finding, Severity } from '../rules/types.js';
import type { Analysis } from '../rules/engine.js';
import { POLICY_RULE_ID, POLICY_RULE_INFO, type PolicyCheck } from '../rules/policy.js';

export const CHECK_SCHEMA_ID = 'https://perftriage.dev/schemas/check.schema.json';
export const CHECK_VERSION = '1.0.0';

export type FailOn = Severity | 'none';
export const FAIL_ON_VALUES: readonly FailOn[] = ['error', 'warning', 'note', 'none'];

export const EXIT_PASSED = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_UNANALYZABLE = 2;

const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, note: 2 };

/** Diagnostics kept per bundle in a check result: the first ones say enough, the rest are counted. */
export const MAX_BUNDLE_DIAGNOSTICS = 100;

/** One path given to `check`, after the pipeline ran on it (or failed to). */
export interface CheckedBundle {
  /** The path as given on the command line. */
  path: string;
  /**
   * Where the bundle's files are, relative to the working directory, `/`-separated: a folder bundle's
   * own path, an archive's path (its members are shown below it), a single file's folder; `''` for stdin.
   * Locations in SARIF, GitHub annotations and Code Quality are `root/file`: in CI, relative to the repository.
   */
  root: string;
  name: string;
  kind: string;
  /** The bundle's first analyzed file: where a finding without evidence points (line 1). */
  first_file?: string;
  analysis?: Analysis;
  policy?: { checks: PolicyCheck[]; violations: number };
  /** Timeline and rule diagnostics, the first MAX_BUNDLE_DIAGNOSTICS of them. */
  diagnostics: Diagnostic[];
  /** How many diagnostics there were in all. */
  diagnostic_count: number;
  /** Why nothing could be analyzed: set iff `analysis` is absent. */
  error?: string;
}

export type BaselineState = 'new' | 'unchanged';

export interface CheckFinding extends Finding {
  /** The `path` of the bundle it was found in. */
  bundle: string;
  /** A capture-policy violation (always fails the run). */
  policy: boolean;
  /** Against `--baseline`: absent when no baseline was given. */
  baseline?: BaselineState;
  /** It fails the run. */
  gating: boolean;
}

/** What a baseline finding looked like; enough to list it as resolved. */
export interface BaselineFinding {
  fingerprint: string;
  rule: string;
  severity: Severity;
  title: string;
  bundle?: string;
}

export interface BaselineComparison {
  file: string;
  new: number;
  unchanged: number;
  resolved: BaselineFinding[];
}

/** A rule as the reports describe it (SARIF descriptor, JUnit classname, docs link). */
export interface RuleInfo {
  id: string;
  title: string;
  description: string;
  default_severity: Severity;
  /** As configured for this run; `off` rules are listed but disabled. */
  severity: Severity | 'off';
  docs: string;
}

export interface CheckResult {
  schema: string;
  version: string;
  tool: { name: string; version: string };
  fail_on: FailOn;
  failed: boolean;
  exit_code: number;
  /** Why it failed (or passed), one sentence per reason. */
  reasons: string[];
  summary: { error: number; warning: number; note: number; gating: number; policy_violations: number; unanalyzable: number };
  rules: RuleInfo[];
  bundles: CheckedBundle[];
  /** Every finding of every bundle and every policy violation, most severe first. */
  findings: CheckFinding[];
  baseline?: BaselineComparison;
}

export interface CheckInput {
  tool: { name: string; version: string };
  failOn: FailOn;
  bundles: CheckedBundle[];
  /** Policy violations per bundle path. */
  violations: ReadonlyMap<string, readonly Finding[]>;
  rules: readonly AnyRule[];
  baseline?: { file: string; findings: readonly BaselineFinding[] };
}

export function atOrAbove(severity: Severity, failOn: FailOn): boolean {
  return failOn !== 'none' && SEVERITY_RANK[severity] <= SEVERITY_RANK[failOn];
}

function compare(a: CheckFinding, b: CheckFinding): number {
  const key = (f: CheckFinding): string[] => [f.policy ? '0' : '1', f.bundle, f.rule, f.fingerprint, f.message];
  const rank = SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity];
  if (rank !== 0) return rank;
  const ka = key(a);
  const kb = key(b);
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! < kb[i]! ? -1 : 1;
  return 0;
}

/** Every rule the run knows, as configured, plus the policy's capture-quality when no rule has that id. */
export function ruleCatalog(rules: readonly AnyRule[], bundles: readonly CheckedBundle[], policyUsed: boolean): RuleInfo[] {
  const configured = new Map<string, Severity | 'off'>();
  for (const b of bundles) for (const run of b.analysis?.rules ?? []) configured.set(run.id, run.severity);
  const out: RuleInfo[] = rules.map((r) => ({
    id: r.meta.id,
    title: r.meta.title,
    description: r.meta.description,
    default_severity: r.meta.defaultSeverity,
    severity: configured.get(r.meta.id) ?? r.meta.defaultSeverity,
    docs: r.meta.docs,
  }));
  if (policyUsed && !out.some((r) => r.id === POLICY_RULE_ID)) {
    out.push({ ...POLICY_RULE_INFO, default_severity: 'error', severity: 'error' });
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Merge, compare with the baseline, gate, and say why. */
export function buildCheckResult(input: CheckInput): CheckResult {
  const known = new Set(input.baseline?.findings.map((f) => f.fingerprint) ?? []);
  const findings: CheckFinding[] = [];
  for (const b of input.bundles) {
    const fromRules = (b.analysis?.findings ?? []).map((f) => ({ ...f, bundle: b.path, policy: false }));
    const fromPolicy = (input.violations.get(b.path) ?? []).map((f) => ({ ...f, bundle: b.path, policy: true }));
    for (const f of [...fromPolicy, ...fromRules]) {
      const state: BaselineState | undefined = input.baseline ? (known.has(f.fingerprint) ? 'unchanged' : 'new') : undefined;
      const gating = f.policy || (atOrAbove(f.severity, input.failOn) && state !== 'unchanged');
      findings.push({ ...f, ...(state ? { baseline: state } : {}), gating });
    }
  }
  findings.sort(compare);

  const summary = { error: 0, warning: 0, note: 0, gating: 0, policy_violations: 0, unanalyzable: 0 };
  for (const f of findings) {
    summary[f.severity]++;
    if (f.gating) summary.gating++;
    if (f.policy) summary.policy_violations++;
  }
  summary.unanalyzable = input.bundles.filter((b) => b.error !== undefined).length;

  let baseline: BaselineComparison | undefined;
  if (input.baseline) {
    const now = new Set(findings.map((f) => f.fingerprint));
    const seen = new Set<string>();
    const resolved = input.baseline.findings.filter((f) => {
      if (now.has(f.fingerprint) || seen.has(f.fingerprint)) return false;
      seen.add(f.fingerprint);
      return true;
    });
    baseline = {
      file: input.baseline.file,
      new: findings.filter((f) => f.baseline === 'new').length,
      unchanged: findings.filter((f) => f.baseline === 'unchanged').length,
      resolved,
    };
  }

  const reasons: string[] = [];
  if (summary.unanalyzable > 0) {
    for (const b of input.bundles) if (b.error !== undefined) reasons.push(`${b.path}: nothing analyzable: ${b.error}`);
  }
  if (summary.policy_violations > 0) reasons.push(`${plural(summary.policy_violations, 'capture-policy violation')}`);
  const gatingFindings = summary.gating - findings.filter((f) => f.gating && f.policy).length;
  if (gatingFindings > 0) reasons.push(`${plural(gatingFindings, 'finding')} at or above ${input.failOn}${input.baseline ? ' not in the baseline' : ''}`);
  const exit = summary.unanalyzable > 0 ? EXIT_UNANALYZABLE : summary.gating > 0 ? EXIT_FINDINGS : EXIT_PASSED;
  if (exit === EXIT_PASSED) {
    reasons.push(input.failOn === 'none' ? 'no capture-policy violation (--fail-on none: findings never fail the run)' : `no finding at or above ${input.failOn}${input.baseline ? ' that is not in the baseline' : ''}, no capture-policy violation`);
  }

  const policyUsed = input.bundles.some((b) => (b.policy?.checks.length ?? 0) > 0) || summary.policy_violations > 0;
  const result: CheckResult = {
    schema: CHECK_SCHEMA_ID,
    version: CHECK_VERSION,
    tool: input.tool,
    fail_on: input.failOn,
    failed: exit !== EXIT_PASSED,
    exit_code: exit,
    reasons,
    summary,
    rules: ruleCatalog(input.rules, input.bundles, policyUsed),
    bundles: input.bundles,
    findings,
  };
  if (baseline) result.baseline = baseline;
  return result;
}

/**
 * Fingerprints of a previous run: a `check --format json` document (its `findings`), or an
 * `analyze --format json` one (also `findings`). Returns undefined when the document is neither.
 */
export function readBaseline(doc: unknown): BaselineFinding[] | undefined {
  if (!doc || typeof doc !== 'object') return undefined;
  const findings = (doc as { findings?: unknown }).findings;
  if (!Array.isArray(findings)) return undefined;
  const out: BaselineFinding[] = [];
  for (const f of findings) {
    if (!f || typeof f !== 'object') return undefined;
    const r = f as Record<string, unknown>;
    if (typeof r.fingerprint !== 'string' || typeof r.rule !== 'string') return undefined;
    const severity = r.severity === 'error' || r.severity === 'warning' || r.severity === 'note' ? r.severity : 'warning';
    const b: BaselineFinding = { fingerprint: r.fingerprint, rule: r.rule, severity, title: typeof r.title === 'string' ? r.title : r.rule };
    if (typeof r.bundle === 'string') b.bundle = r.bundle;
    out.push(b);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Locations shared by the formats that point into the repository (SARIF, GitHub, Code Quality)

/** A bundle file as a path relative to the working directory: `root/file`. */
export function repoPath(bundle: Pick<CheckedBundle, 'root'>, file: string): string {
  return bundle.root === '' ? file : `${bundle.root.replace(/\/+$/, '')}/${file}`;
}

/** Where a finding points: the file of its first (most telling) evidence and the lines of that file it cites. */
export interface PrimaryLocation {
  file: string;
  startLine: number;
  endLine: number;
  /** The finding had no evidence: this is line 1 of the bundle's first file. */
  fallback: boolean;
}

export function primaryLocation(f: Pick<Finding, 'evidence'>, bundle: Pick<CheckedBundle, 'first_file'>): PrimaryLocation | undefined {
  const first = f.evidence[0];
  if (!first) return bundle.first_file ? { file: bundle.first_file, startLine: 1, endLine: 1, fallback: true } : undefined;
  let start = first.line;
  let end = first.line;
  for (const e of f.evidence) {
    if (e.file !== first.file) continue;
    if (e.line < start) start = e.line;
    if (e.line > end) end = e.line;
  }
  return { file: first.file, startLine: Math.max(1, start), endLine: Math.max(1, end), fallback: false };
}

/** Evidence lines in other files than the primary one, or beyond it: for related locations. */
export function otherEvidence(f: Pick<Finding, 'evidence'>, primary: PrimaryLocation): SourceRef[] {
  return f.evidence.filter((e) => e.file !== primary.file || e.line < primary.startLine || e.line > primary.endLine);
}

/** The bundle of a finding, by its path. */
export function bundleOf(result: Pick<CheckResult, 'bundles'>, f: Pick<CheckFinding, 'bundle'>): CheckedBundle | undefined {
  return result.bundles.find((b) => b.path === f.bundle);
}

/**
 * A short label for what a finding is about that stays the same across captures of the same workload:
 * its path pattern, path or device (never a PID, which changes every run), else the capture file its
 * evidence starts in, else `whole capture`.
 */
export function entityLabel(f: Pick<Finding, 'entities' | 'evidence'>): string {
  const e = f.entities;
  const named = [...(e.patterns ?? []), ...(e.paths ?? []), ...(e.devices ?? [])];
  const first = named[0];
  if (first === undefined) return f.evidence[0]?.file ?? 'whole capture';
  return named.length > 1 ? `${first} (+${named.length - 1})` : first;
}

export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}
