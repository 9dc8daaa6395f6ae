/**
 * `perftriage check` for a terminal (text) and for machines (json, schema `schemas/check.schema.json`).
 * Text is plain; every value from the bundle goes through `forTerminal` here, field by field, so a newline
 * in a file name cannot start a line of its own (a CI runner would read `::error::…` at a line start as
 * a workflow command).
 */
import { forTerminal as t } from '../common/escape.js';
import { bundleOf, primaryLocation, repoPath, type CheckFinding, type CheckResult } from './check.js';

const LABEL = { error: 'ERROR  ', warning: 'WARNING', note: 'NOTE   ' } as const;

function where(f: CheckFinding, check: CheckResult): string {
  const bundle = bundleOf(check, f);
  const loc = bundle ? primaryLocation(f, bundle) : undefined;
  if (!bundle || !loc) return f.bundle;
  return `${repoPath(bundle, loc.file)}:${loc.startLine}${loc.endLine !== loc.startLine ? `-${loc.endLine}` : ''}`;
}

function tag(f: CheckFinding): string {
  const tags: string[] = [];
  if (f.gating) tags.push('FAILS');
  if (f.policy) tags.push('policy');
  if (f.baseline) tags.push(f.baseline);
  return tags.length > 0 ? `  [${tags.join(', ')}]` : '';
}

export function formatCheckText(check: CheckResult): string {
  const out: string[] = [];
  const s = check.summary;
  out.push(`perftriage check: ${check.bundles.length} bundle(s), fail on ${check.fail_on}: ${s.error} error(s), ${s.warning} warning(s), ${s.note} note(s)`);
  for (const b of check.bundles) {
    if (b.error !== undefined) {
      out.push(`  ${t(b.path)}: NOTHING ANALYZABLE: ${t(b.error)}`);
      continue;
    }
    const found = check.findings.filter((f) => f.bundle === b.path);
    const policy = b.policy && b.policy.checks.length > 0 ? `; policy ${b.policy.checks.length - b.policy.violations}/${b.policy.checks.length} passed` : '';
    const skipped = (b.analysis?.rules ?? []).filter((r) => r.status === 'skipped').length;
    out.push(`  ${t(b.path)}: ${found.length} finding(s)${policy}; ${skipped} rule(s) skipped for missing inputs; ${b.diagnostic_count} diagnostic(s)`);
  }
  for (const f of check.findings) {
    out.push('', `${LABEL[f.severity]} ${f.rule}: ${t(f.title)}${tag(f)}`, `  ${t(where(f, check))}`, `  ${t(f.message)}`, `  What to do: ${t(f.recommendation)}`);
    if (f.collect && f.collect.length > 0) out.push(`  Collect next: ${t(f.collect.join('; '))}`);
  }
  if (check.baseline) {
    const b = check.baseline;
    out.push('', `Baseline ${b.file}: ${b.new} new, ${b.unchanged} unchanged, ${b.resolved.length} resolved`);
    for (const r of b.resolved) out.push(`  resolved: ${r.rule}: ${t(r.title)} (${r.fingerprint})`);
  }
  out.push('', `${check.failed ? 'FAILED' : 'PASSED'} (exit ${check.exit_code}): ${check.reasons.join('; ')}`);
  return `${out.join('\n')}\n`;
}

export function formatCheckJson(check: CheckResult): string {
  return `${JSON.stringify(check, null, 1)}\n`;
}
