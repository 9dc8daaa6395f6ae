/**
 * JUnit XML for CI test-report views (GitLab `artifacts:reports:junit`, Jenkins, the GitHub JUnit
 * actions). One `<testsuite>` per bundle; in it one `<testcase>` per rule × entity:
 *
 * - a finding: `classname` = rule id, `name` = what it is about and its fingerprint (`sda [e1c6a1fb7d2aef52]`),
 *   unique and stable across runs (GitLab keeps only the first of two cases with the same name, and
 *   collapses cases without `classname`: gitlab-ce#50964). It has a `<failure>` when it fails the run;
 *   a finding below `--fail-on`, or already in the baseline, passes with its text in `<system-out>`;
 * - a rule that ran and found nothing: one passing case named `no finding`;
 * - a rule skipped for missing inputs, or turned off: a `<skipped>` case saying which command would enable it;
 * - a rule that crashed: an `<error>` case;
 * - each capture-policy item: a case of classname `capture-quality` named `policy <item>`, failed when violated;
 * - a path that could not be analyzed: a suite with one `<error>` case.
 *
 * Everything from a bundle is XML-escaped, and characters XML 1.0 does not allow are dropped.
 */
import { showBidi } from '../common/escape.js';
import { bundleOf, entityLabel, type CheckedBundle, type CheckFinding, type CheckResult } from './check.js';
import { POLICY_RULE_ID } from '../rules/policy.js';
import { fingerprintOf } from '../rules/engine.js';

// XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]. With the `u` flag a
// lone surrogate is one code point outside every range, so it is dropped too.
// eslint-disable-next-line no-control-regex
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text or attribute value: invalid characters dropped, markup characters escaped (both quotes, for attributes). */
export function xmlEscape(text: string): string {
  return showBidi(text).replace(NOT_XML_CHAR, '').replace(/[&<>"']/g, (ch) => XML_ESCAPES[ch]!);
}

/** Attribute values keep their newlines and tabs as character references, which attribute normalization would turn into spaces. */
function attr(text: string): string {
  return xmlEscape(text).replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

interface Case {
  classname: string;
  name: string;
  failure?: { message: string; type: string; text: string };
  error?: { message: string; type: string; text: string };
  skipped?: string;
  out?: string;
}

function findingText(f: CheckFinding, bundle: CheckedBundle | undefined): string {
  const lines = [`${f.severity.toUpperCase()} ${f.rule}: ${f.title}`, f.message];
  if (f.evidence.length > 0) lines.push(`Evidence: ${f.evidence.map((e) => `${bundle && bundle.root ? `${bundle.root}/` : ''}${e.file}:${e.line}`).join(', ')}`);
  lines.push(`What to do: ${f.recommendation}`);
  if (f.collect && f.collect.length > 0) lines.push(`Collect next: ${f.collect.join('; ')}`);
  lines.push(`Fingerprint: ${f.fingerprint}${f.baseline ? ` (${f.baseline} against the baseline)` : ''}`);
  return lines.join('\n');
}

function findingCase(f: CheckFinding, check: CheckResult, name = `${entityLabel(f)} [${f.fingerprint}]`): Case {
  const bundle = bundleOf(check, f);
  const text = findingText(f, bundle);
  if (f.gating) return { classname: f.rule, name, failure: { message: `${f.title}: ${f.message}`, type: f.severity, text } };
  const why = f.baseline === 'unchanged' ? 'already in the baseline' : `below --fail-on ${check.fail_on}`;
  return { classname: f.rule, name, out: `${text}\n(Does not fail the run: ${why}.)` };
}

function bundleCases(b: CheckedBundle, check: CheckResult): Case[] {
  if (!b.analysis) {
    return [{ classname: 'perftriage', name: 'bundle is analyzable', error: { message: `nothing analyzable: ${b.error ?? ''}`, type: 'unanalyzable', text: `${b.path}: nothing analyzable: ${b.error ?? ''}` } }];
  }
  const cases: Case[] = [];
  const mine = check.findings.filter((f) => f.bundle === b.path);
  // Policy items, by item name: a violated one is its finding (fingerprint from ['policy', item]), the others pass.
  for (const c of b.policy?.checks ?? []) {
    const name = `policy ${c.item}`;
    const violation = c.passed ? undefined : mine.find((f) => f.policy && f.fingerprint === fingerprintOf(POLICY_RULE_ID, ['policy', c.item]));
    if (violation) cases.push(findingCase(violation, check, name));
    else if (c.passed) cases.push({ classname: POLICY_RULE_ID, name, out: c.detail });
    else cases.push({ classname: POLICY_RULE_ID, name, failure: { message: c.detail, type: 'error', text: c.detail } });
  }
  for (const run of b.analysis.rules) {
    const found = mine.filter((f) => !f.policy && f.rule === run.id);
    if (found.length > 0) {
      for (const f of found) cases.push(findingCase(f, check));
      continue;
    }
    switch (run.status) {
      case 'ran':
        cases.push({ classname: run.id, name: 'no finding' });
        break;
      case 'off':
        cases.push({ classname: run.id, name: 'rule', skipped: 'turned off in the config' });
        break;
      case 'skipped':
        cases.push({ classname: run.id, name: 'rule', skipped: `inputs missing: ${(run.missing ?? []).map((m) => `${m.label} (collect: ${m.collect})`).join('; ')}` });
        break;
      case 'failed':
        cases.push({ classname: run.id, name: 'rule', error: { message: `rule failed: ${run.error ?? 'unknown error'}`, type: 'rule-failed', text: run.error ?? '' } });
        break;
    }
  }
  return cases;
}

function renderCase(c: Case, indent: string): string {
  const open = `${indent}<testcase classname="${attr(c.classname)}" name="${attr(c.name)}" time="0"`;
  const body: string[] = [];
  if (c.failure) body.push(`${indent}  <failure message="${attr(c.failure.message)}" type="${attr(c.failure.type)}">${xmlEscape(c.failure.text)}</failure>`);
  if (c.error) body.push(`${indent}  <error message="${attr(c.error.message)}" type="${attr(c.error.type)}">${xmlEscape(c.error.text)}</error>`);
  if (c.skipped !== undefined) body.push(`${indent}  <skipped message="${attr(c.skipped)}"/>`);
  if (c.out !== undefined) body.push(`${indent}  <system-out>${xmlEscape(c.out)}</system-out>`);
  return body.length === 0 ? `${open}/>` : `${open}>\n${body.join('\n')}\n${indent}</testcase>`;
}

/** Two cases with the same classname and name would be merged by GitLab: number the later ones. */
function uniqueNames(cases: Case[]): void {
  const seen = new Map<string, number>();
  for (const c of cases) {
    const key = `${c.classname}\u0000${c.name}`;
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    if (n > 0) c.name = `${c.name} #${n + 1}`;
  }
}

export function formatJunit(check: CheckResult): string {
  const suites: string[] = [];
  const totals = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  for (const b of check.bundles) {
    const cases = bundleCases(b, check);
    uniqueNames(cases);
    const count = { tests: cases.length, failures: cases.filter((c) => c.failure).length, errors: cases.filter((c) => c.error).length, skipped: cases.filter((c) => c.skipped !== undefined).length };
    totals.tests += count.tests;
    totals.failures += count.failures;
    totals.errors += count.errors;
    totals.skipped += count.skipped;
    suites.push(
      [
        `  <testsuite name="${attr(`perftriage check ${b.path}`)}" tests="${count.tests}" failures="${count.failures}" errors="${count.errors}" skipped="${count.skipped}" time="0">`,
        ...cases.map((c) => renderCase(c, '    ')),
        '  </testsuite>',
      ].join('\n'),
    );
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="perftriage check" tests="${totals.tests}" failures="${totals.failures}" errors="${totals.errors}" skipped="${totals.skipped}" time="0">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
