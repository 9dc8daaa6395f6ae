/**
 * The analysis for a terminal: findings first, most severe first, then what the capture could not show.
 * Every value from the bundle goes through `forTerminal` field by field, so an escape sequence cannot act
 * on the terminal and a newline in a file name cannot start a line of its own.
 */
import { forTerminal as t } from '../common/escape.js';
import type { Analysis } from '../rules/index.js';

const LABEL = { error: 'ERROR  ', warning: 'WARNING', note: 'NOTE   ' } as const;

export function formatAnalysisText(a: Analysis): string {
  const out: string[] = [];
  const { error, warning, note } = a.summary;
  out.push(`${t(a.bundle.name)}: ${error} error(s), ${warning} warning(s), ${note} note(s)`);
  for (const f of a.findings) {
    out.push('', `${LABEL[f.severity]} ${f.rule}: ${t(f.title)}`, `  ${t(f.message)}`);
    if (f.evidence.length > 0) out.push(`  Evidence: ${t(f.evidence.map((e) => `${e.file}:${e.line}`).join(', '))}`);
    out.push(`  What to do: ${t(f.recommendation)}`);
    if (f.collect && f.collect.length > 0) out.push(`  Collect next: ${t(f.collect.join('; '))}`);
  }
  const skipped = a.rules.filter((r) => r.status === 'skipped');
  if (skipped.length > 0) {
    out.push('', 'Rules that could not run (inputs missing):');
    for (const r of skipped) out.push(`  ${r.id}: needs ${(r.missing ?? []).map((m) => `${m.label} (${m.collect})`).join(', ')}`);
  }
  const failed = a.rules.filter((r) => r.status === 'failed');
  for (const r of failed) out.push('', `Rule ${r.id} failed and was skipped: ${t(r.error ?? 'unknown error')}`);
  return `${out.join('\n')}\n`;
}
