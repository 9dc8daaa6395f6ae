/**
 * GitHub Actions: workflow commands that become annotations on the capture files, and a Markdown
 * summary for `$GITHUB_STEP_SUMMARY`.
 *
 * Annotations: `::error file=…,line=…,endLine=…,title=…::message` (`::warning`, `::notice` for notes),
 * most severe first. The escaping is @actions/core's (`command.js`): in the message `%` → `%25`,
 * `\r` → `%0D`, `\n` → `%0A`; in property values also `:` → `%3A` and `,` → `%2C`. GitHub shows at most
 * 10 annotations of each kind per step and drops the rest silently, so at most 10 of each are printed
 * and a last notice says how many were left out (the notices give up one place for it).
 *
 * The summary is GitHub-flavoured Markdown kept well under the 1 MiB a step may write: the failing
 * findings in a table, the others folded in `<details>`, then the policy, the baseline and the bundles.
 */
import type { Severity } from '../rules/types.js';
import { bundleOf, primaryLocation, repoPath, type CheckFinding, type CheckResult } from './check.js';
import { mdCell, mdCode, mdText, visible } from './escape.js';

/** GitHub's cap per annotation kind and step. */
export const ANNOTATIONS_PER_KIND = 10;
/** Rows per summary table, and characters of a message in a row: keeps the summary far below GitHub's 1 MiB per step. */
export const SUMMARY_ROWS = 200;
export const SUMMARY_MESSAGE_CHARS = 400;

function cut(text: string): string {
  return text.length > SUMMARY_MESSAGE_CHARS ? `${text.slice(0, SUMMARY_MESSAGE_CHARS - 1)}…` : text;
}

type Kind = 'error' | 'warning' | 'notice';
const KIND: Record<Severity, Kind> = { error: 'error', warning: 'warning', note: 'notice' };

/** Workflow-command data (the message). */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Workflow-command property values (file, title). */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export interface Annotation {
  kind: Kind;
  file?: string;
  line?: number;
  endLine?: number;
  title: string;
  message: string;
}

export function formatCommand(a: Annotation): string {
  const props: string[] = [];
  if (a.file !== undefined) props.push(`file=${escapeProperty(a.file)}`);
  if (a.line !== undefined) props.push(`line=${a.line}`);
  if (a.endLine !== undefined) props.push(`endLine=${a.endLine}`);
  props.push(`title=${escapeProperty(a.title)}`);
  return `::${a.kind} ${props.join(',')}::${escapeData(a.message)}`;
}

function annotationOf(f: CheckFinding, check: CheckResult): Annotation {
  const bundle = bundleOf(check, f);
  const where = bundle ? primaryLocation(f, bundle) : undefined;
  // Text from the bundle goes through `visible` first: a control or bidi character in a file name or a
  // command line must not act on the log viewer. The newlines perftriage adds are escaped as %0A.
  const a: Annotation = {
    kind: KIND[f.severity],
    title: visible(`${f.rule}: ${f.title}`),
    message: `${visible(f.message)}\nWhat to do: ${visible(f.recommendation)}${f.baseline === 'unchanged' ? '\n(Already in the baseline.)' : ''}`,
  };
  if (bundle && where) {
    a.file = visible(repoPath(bundle, where.file));
    a.line = where.startLine;
    if (where.endLine !== where.startLine) a.endLine = where.endLine;
  }
  return a;
}

/** The annotations to print, at most 10 per kind, and how many of each kind were left out. */
export function selectAnnotations(check: CheckResult): { shown: Annotation[]; dropped: Record<Kind, number> } {
  const all: Annotation[] = [];
  for (const b of check.bundles) {
    if (b.error !== undefined) all.push({ kind: 'error', title: 'perftriage: nothing analyzable', message: visible(`${b.path}: ${b.error}`) });
  }
  // Findings are already most severe first; failing ones before the others of the same severity.
  const ordered = [...check.findings].sort((a, b) => Number(b.gating) - Number(a.gating));
  const bySeverity = (s: Severity): CheckFinding[] => ordered.filter((f) => f.severity === s);
  for (const s of ['error', 'warning', 'note'] as const) for (const f of bySeverity(s)) all.push(annotationOf(f, check));
  const counts: Record<Kind, number> = { error: 0, warning: 0, notice: 0 };
  for (const a of all) counts[a.kind]++;
  const overflow = counts.error > ANNOTATIONS_PER_KIND || counts.warning > ANNOTATIONS_PER_KIND || counts.notice > ANNOTATIONS_PER_KIND;
  // The "left out" line is itself a notice: keep a place for it.
  const cap: Record<Kind, number> = { error: ANNOTATIONS_PER_KIND, warning: ANNOTATIONS_PER_KIND, notice: overflow ? ANNOTATIONS_PER_KIND - 1 : ANNOTATIONS_PER_KIND };
  const used: Record<Kind, number> = { error: 0, warning: 0, notice: 0 };
  const shown: Annotation[] = [];
  for (const a of all) {
    if (used[a.kind] >= cap[a.kind]) continue;
    used[a.kind]++;
    shown.push(a);
  }
  return { shown, dropped: { error: counts.error - used.error, warning: counts.warning - used.warning, notice: counts.notice - used.notice } };
}

export function formatGithub(check: CheckResult): string {
  const { shown, dropped } = selectAnnotations(check);
  const lines = shown.map(formatCommand);
  const left = (['error', 'warning', 'notice'] as const).filter((k) => dropped[k] > 0).map((k) => `${dropped[k]} ${k}${dropped[k] === 1 ? '' : 's'}`);
  if (left.length > 0) {
    lines.push(formatCommand({ kind: 'notice', title: 'perftriage: more findings', message: `${left.join(', ')} left out: GitHub shows at most ${ANNOTATIONS_PER_KIND} annotations of each kind per step. The job summary, the SARIF or the JSON output lists them all.` }));
  }
  lines.push(visible(`perftriage check: ${check.failed ? 'FAILED' : 'passed'} (exit ${check.exit_code}): ${check.reasons.join('; ')}`));
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------------
// Markdown summary

const ICON: Record<Severity, string> = { error: '🔴 error', warning: '🟠 warning', note: '🔵 note' };

function findingRow(f: CheckFinding, check: CheckResult): string {
  const bundle = bundleOf(check, f);
  const where = bundle ? primaryLocation(f, bundle) : undefined;
  const loc = bundle && where ? `${repoPath(bundle, where.file)}:${where.startLine}${where.endLine !== where.startLine ? `-${where.endLine}` : ''}` : '';
  const state = f.policy ? 'policy' : f.baseline ?? '';
  return `| ${ICON[f.severity]} | ${mdCode(f.rule)} | ${mdCell(f.title)} | ${loc ? mdCode(loc) : '-'} | ${mdCell(state)} | ${mdCell(cut(f.message))} |`;
}

function table(rows: readonly CheckFinding[], check: CheckResult): string[] {
  const out = ['| Severity | Rule | Finding | Where | State | Details |', '| --- | --- | --- | --- | --- | --- |'];
  for (const f of rows.slice(0, SUMMARY_ROWS)) out.push(findingRow(f, check));
  if (rows.length > SUMMARY_ROWS) out.push('', `…and ${rows.length - SUMMARY_ROWS} more (see the SARIF or JSON output).`);
  return out;
}

export function formatMarkdownSummary(check: CheckResult): string {
  const out: string[] = [];
  const verdict = check.exit_code === 0 ? '✅ passed' : check.exit_code === 1 ? '❌ failed' : '⚠️ could not check';
  out.push(`## perftriage check: ${verdict} (exit ${check.exit_code})`, '');
  out.push(`Fail on: **${check.fail_on}** · ${check.summary.error} error(s), ${check.summary.warning} warning(s), ${check.summary.note} note(s) · ${check.summary.gating} failing`, '');
  for (const r of check.reasons) out.push(`- ${mdText(r)}`);
  out.push('');
  const failing = check.findings.filter((f) => f.gating);
  const others = check.findings.filter((f) => !f.gating);
  if (failing.length > 0) out.push('### Failing', '', ...table(failing, check), '');
  if (others.length > 0) out.push(`<details><summary>${others.length} finding(s) that do not fail the run</summary>`, '', ...table(others, check), '', '</details>', '');
  if (check.baseline) {
    const b = check.baseline;
    out.push('### Baseline', '', `${b.new} new, ${b.unchanged} unchanged, ${b.resolved.length} resolved against ${mdCode(b.file)}.`, '');
    for (const r of b.resolved.slice(0, SUMMARY_ROWS)) out.push(`- resolved: ${mdCode(r.rule)} ${mdText(r.title)} (${mdCode(r.fingerprint)})`);
    if (b.resolved.length > 0) out.push('');
  }
  out.push('### Bundles', '', '| Bundle | Kind | Findings | Policy | Diagnostics |', '| --- | --- | --- | --- | --- |');
  for (const b of check.bundles) {
    const found = check.findings.filter((f) => f.bundle === b.path && !f.policy).length;
    const policy = b.policy && b.policy.checks.length > 0 ? `${b.policy.checks.length - b.policy.violations}/${b.policy.checks.length} passed` : '-';
    const files = b.error !== undefined ? `nothing analyzable: ${b.error}` : `${b.kind}`;
    out.push(`| ${mdCode(b.path)} | ${mdCell(files)} | ${found} | ${policy} | ${b.diagnostic_count} |`);
  }
  out.push('');
  return `${out.join('\n')}\n`;
}
