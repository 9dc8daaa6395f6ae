/**
 * GitLab Code Quality (`artifacts:reports:codequality`): a JSON array of issues
 * `{description, check_name, fingerprint, severity, location: {path, lines: {begin, end}}}`.
 *
 * Severity: a capture-policy violation is `blocker` (the capture itself is unusable for the question),
 * error → `critical`, warning → `major`, note → `info`. The path is relative to the directory `check` ran
 * in (the repository root in CI), the lines those of the first evidence file; a finding without evidence
 * points at line 1 of the bundle's first file. The fingerprint is the finding's, so GitLab matches the
 * same problem across pipelines; when two bundles of one run hold the same finding, the later ones get a
 * fingerprint salted with their bundle, because GitLab shows only the first issue of a fingerprint.
 */
import { showBidi } from '../common/escape.js';
import type { Severity } from '../rules/types.js';
import { bundleOf, primaryLocation, repoPath, shortHash, type CheckFinding, type CheckResult } from './check.js';

export type CodeQualitySeverity = 'info' | 'minor' | 'major' | 'critical' | 'blocker';

const SEVERITY: Record<Severity, CodeQualitySeverity> = { error: 'critical', warning: 'major', note: 'info' };

export interface CodeQualityIssue {
  description: string;
  check_name: string;
  fingerprint: string;
  severity: CodeQualitySeverity;
  location: { path: string; lines: { begin: number; end?: number } };
}

export function severityOf(f: Pick<CheckFinding, 'severity' | 'policy'>): CodeQualitySeverity {
  return f.policy ? 'blocker' : SEVERITY[f.severity];
}

export function codeQualityIssues(check: CheckResult): CodeQualityIssue[] {
  const issues: CodeQualityIssue[] = [];
  const used = new Set<string>();
  for (const f of check.findings) {
    const bundle = bundleOf(check, f);
    const where = bundle ? primaryLocation(f, bundle) : undefined;
    if (!bundle || !where) continue;
    let fingerprint = f.fingerprint;
    if (used.has(fingerprint)) fingerprint = `${f.fingerprint}-${shortHash(bundle.path)}`;
    used.add(fingerprint);
    const lines: CodeQualityIssue['location']['lines'] = { begin: where.startLine };
    if (where.endLine !== where.startLine) lines.end = where.endLine;
    issues.push({
      description: showBidi(`${f.title}: ${f.message}`),
      check_name: f.rule,
      fingerprint,
      severity: severityOf(f),
      location: { path: repoPath(bundle, where.file), lines },
    });
  }
  return issues;
}

export function formatCodeQuality(check: CheckResult): string {
  return `${JSON.stringify(codeQualityIssues(check), null, 2)}\n`;
}
