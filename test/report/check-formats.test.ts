/**
 * The CI formats of `perftriage check`, on check results built from hand-made analyses: the gate
 * (fail-on, policy, baseline), SARIF against the official schema with every result located, JUnit
 * escaping and classnames, GitHub workflow-command escaping and the 10-per-kind cap, GitLab Code Quality.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Analysis } from '../../src/rules/engine.js';
import type { Finding, Severity } from '../../src/rules/types.js';
import { fingerprintOf } from '../../src/rules/engine.js';
import { buildCheckResult, readBaseline, primaryLocation, type CheckedBundle, type CheckInput, type FailOn } from '../../src/report/check.js';
import { formatSarif, toUriReference } from '../../src/report/sarif.js';
import { formatJunit, xmlEscape } from '../../src/report/junit.js';
import { escapeData, escapeProperty, formatCommand, formatGithub, formatMarkdownSummary, ANNOTATIONS_PER_KIND } from '../../src/report/github.js';
import { codeQualityIssues } from '../../src/report/codequality.js';
import { formatCheckText } from '../../src/report/check-text.js';
import { validate } from '../../src/timeline/schemas.js';
import { sarifErrors } from './sarif-validator.js';

/** The parts of a SARIF log these tests read. */
interface SarifLocation {
  physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; endLine?: number } };
}
interface SarifResult {
  ruleId: string;
  message: { text: string };
  locations: SarifLocation[];
  relatedLocations?: SarifLocation[];
  partialFingerprints: Record<string, string>;
}
interface SarifLog {
  runs: {
    results: SarifResult[];
    invocations: { executionSuccessful: boolean; exitCode: number; toolExecutionNotifications: { level: string; message: { text: string } }[] }[];
    tool: { driver: { rules: { id: string }[] } };
  }[];
}

function finding(rule: string, severity: Severity, id: string, evidence: { file: string; line: number }[], extra: Partial<Finding> = {}): Finding {
  return {
    rule,
    severity,
    title: `${rule} on ${id}`,
    message: `${id} did something`,
    entities: { devices: [id] },
    evidence,
    recommendation: 'Do less of it.',
    fingerprint: fingerprintOf(rule, [id]),
    ...extra,
  };
}

function analysis(name: string, findings: Finding[], rules: Analysis['rules'] = []): Analysis {
  const summary = { error: 0, warning: 0, note: 0 };
  for (const f of findings) summary[f.severity]++;
  const ids = [...new Set(findings.map((f) => f.rule))];
  const runs: Analysis['rules'] = [
    ...ids.map((id) => ({ id, title: id, severity: 'error' as const, status: 'ran' as const, findings: findings.filter((f) => f.rule === id).length, docs: `docs/rules/${id}.md` })),
    ...rules,
  ];
  return { schema: 'https://perftriage.dev/schemas/analysis.schema.json', version: '1.0.0', bundle: { name, kind: 'folder' }, summary, findings, rules: runs, diagnostics: [] };
}

function bundle(path: string, a: Analysis | undefined, extra: Partial<CheckedBundle> = {}): CheckedBundle {
  const b: CheckedBundle = { path, root: path, name: path, kind: 'folder', diagnostics: [], diagnostic_count: 0, first_file: 'date.txt', ...extra };
  if (a) b.analysis = a;
  else b.error = 'no file in it is the output of a tool perftriage reads';
  return b;
}

function check(bundles: CheckedBundle[], failOn: FailOn = 'error', more: Partial<CheckInput> = {}) {
  return buildCheckResult({ tool: { name: 'perftriage', version: '0.1.0' }, failOn, bundles, violations: new Map(), rules: [], ...more });
}

const saturated = finding('disk-saturation', 'error', 'sda', [
  { file: 'iostat.txt', line: 13 },
  { file: 'iostat.txt', line: 9 },
  { file: 'pidstat.txt', line: 40 },
]);
const heavy = finding('io-heavy-process', 'warning', 'app', [{ file: 'pidstat.txt', line: 7 }]);
const quiet = finding('page-cache-absorbed', 'note', 'vda', []);

test('the gate: fail-on thresholds, the policy always fails, an unanalyzable path is exit 2', () => {
  const a = analysis('case', [saturated, heavy, quiet]);
  assert.equal(check([bundle('captures/case', a)], 'error').exit_code, 1);
  assert.equal(check([bundle('captures/case', a)], 'error').summary.gating, 1);
  assert.equal(check([bundle('captures/case', a)], 'warning').summary.gating, 2);
  assert.equal(check([bundle('captures/case', a)], 'note').summary.gating, 3);
  const none = check([bundle('captures/case', a)], 'none');
  assert.equal(none.exit_code, 0);
  assert.equal(none.failed, false);
  assert.equal(check([bundle('captures/case', analysis('case', [quiet]))], 'warning').exit_code, 0);

  const violation = { ...finding('capture-quality', 'error', 'policy', []), fingerprint: fingerprintOf('capture-quality', ['policy', 'required_tools:vmstat']) };
  const withPolicy = check([bundle('captures/case', analysis('case', []))], 'none', { violations: new Map([['captures/case', [violation]]]) });
  assert.equal(withPolicy.exit_code, 1, 'a policy violation fails even with --fail-on none');
  assert.equal(withPolicy.findings[0]?.policy, true);
  assert.match(withPolicy.reasons.join(' '), /capture-policy violation/);

  const mixed = check([bundle('captures/case', a), bundle('captures/empty', undefined)], 'none');
  assert.equal(mixed.exit_code, 2, 'one unreadable path among several makes the run exit 2');
  assert.equal(mixed.summary.unanalyzable, 1);
  assert.equal(validate('check', JSON.parse(JSON.stringify(mixed))).valid, true, validate('check', mixed).errors.join('; '));
});

test('baseline: unchanged findings pass, new ones fail, resolved ones are listed', () => {
  const first = check([bundle('captures/a', analysis('a', [saturated, heavy]))], 'warning');
  const base = readBaseline(JSON.parse(JSON.stringify(first)));
  assert.ok(base);
  assert.equal(base.length, 2);
  const fresh = finding('disk-saturation', 'error', 'sdb', [{ file: 'iostat.txt', line: 20 }]);
  // Same workload captured again in another folder: sda still saturated, app no longer heavy, sdb new.
  const second = check([bundle('captures/b', analysis('b', [saturated, fresh]))], 'warning', { baseline: { file: 'first.json', findings: base } });
  assert.equal(second.exit_code, 1);
  const byDevice = new Map(second.findings.map((f) => [f.entities.devices?.[0], { baseline: f.baseline, gating: f.gating }]));
  assert.deepEqual(byDevice.get('sda'), { baseline: 'unchanged', gating: false });
  assert.deepEqual(byDevice.get('sdb'), { baseline: 'new', gating: true });
  assert.deepEqual(second.baseline?.resolved.map((r) => r.rule), ['io-heavy-process']);
  assert.equal(second.baseline?.new, 1);
  assert.equal(second.baseline?.unchanged, 1);
  const again = check([bundle('captures/b', analysis('b', [saturated]))], 'warning', { baseline: { file: 'first.json', findings: base } });
  assert.equal(again.exit_code, 0);
  assert.equal(validate('check', JSON.parse(JSON.stringify(second))).valid, true);
  assert.equal(readBaseline({ something: 'else' }), undefined);
  assert.equal(readBaseline({ findings: [{ rule: 'x' }] }), undefined, 'a finding without a fingerprint is not a baseline');
});

test('SARIF: valid against the official schema; every result located; related locations; fingerprints; notifications', () => {
  const odd = finding('disk-saturation', 'error', 'weird', [{ file: 'dir with space/iostat #1.txt', line: 3 }]);
  const c = check(
    [
      bundle('captures/case', analysis('case', [saturated, heavy, quiet, odd], [{ id: 'temp-file-churn', title: 'Temp file churn', severity: 'warning', status: 'skipped', findings: 0, missing: [{ label: 'opensnoop', collect: 'opensnoop -T' }], docs: 'docs/rules/temp-file-churn.md' }]), {
        diagnostics: [{ severity: 'warning', code: 'unparsed-line', message: 'line 4: expected a header', file: 'iostat.txt', line: 4 }],
        diagnostic_count: 250,
      }),
      bundle('captures/empty', undefined),
    ],
    'warning',
  );
  const doc = JSON.parse(formatSarif(c)) as SarifLog;
  assert.deepEqual(sarifErrors(doc), []);
  const run = doc.runs[0]!;
  assert.equal(run.results.length, 4);
  for (const r of run.results) {
    const loc = r.locations[0]?.physicalLocation;
    assert.ok(loc && loc.artifactLocation.uri !== '', `result ${r.ruleId} has a location`);
    assert.ok(loc.region.startLine >= 1);
    assert.match(r.partialFingerprints['perftriage/v1'] ?? '', /^[0-9a-f]{16}$/);
  }
  const where = (r: SarifResult | undefined): SarifLocation['physicalLocation'] | undefined => r?.locations[0]?.physicalLocation;
  const sat = run.results.find((r) => r.message.text.startsWith('disk-saturation on sda'));
  assert.equal(where(sat)?.artifactLocation.uri, 'captures/case/iostat.txt');
  assert.deepEqual(where(sat)?.region, { startLine: 9, endLine: 13 });
  assert.deepEqual(sat?.relatedLocations?.map((l) => `${l.physicalLocation.artifactLocation.uri}:${l.physicalLocation.region.startLine}`), ['captures/case/pidstat.txt:40']);
  const noEvidence = run.results.find((r) => r.ruleId === 'page-cache-absorbed');
  assert.equal(where(noEvidence)?.artifactLocation.uri, 'captures/case/date.txt');
  assert.equal(where(noEvidence)?.region.startLine, 1);
  assert.match(noEvidence?.message.text ?? '', /the location is the first line of the bundle/);
  const weird = run.results.find((r) => r.message.text.includes('weird'));
  assert.equal(where(weird)?.artifactLocation.uri, 'captures/case/dir%20with%20space/iostat%20%231.txt');
  assert.deepEqual(
    run.tool.driver.rules.map((r) => r.id),
    [],
    'the catalog comes from the rules registry (none passed here)',
  );
  const inv = run.invocations[0]!;
  assert.equal(inv.executionSuccessful, false, 'a path could not be analyzed');
  assert.equal(inv.exitCode, 2);
  const texts = inv.toolExecutionNotifications.map((n) => `${n.level} ${n.message.text}`);
  assert.ok(texts.some((t) => t.startsWith('error captures/empty: nothing analyzable')));
  assert.ok(texts.some((t) => t.startsWith('warning captures/case: line 4')));
  assert.ok(texts.some((t) => t.includes('249 more diagnostic(s)')));
});

test('SARIF: a result whose finding has no evidence and whose bundle has no file cannot be placed, so it is left out rather than invalidating the file', () => {
  const c = check([bundle('captures/case', analysis('case', [quiet]), { first_file: undefined })]);
  const doc = JSON.parse(formatSarif(c)) as { runs: { results: unknown[] }[] };
  assert.deepEqual(sarifErrors(doc), []);
  assert.equal(doc.runs[0]!.results.length, 0);
});

test('URI references: segments percent-encoded, dot segments kept', () => {
  assert.equal(toUriReference('../shared/a b/c#d%e.txt'), '../shared/a%20b/c%23d%25e.txt');
  assert.equal(toUriReference('captures/x.tar.gz/iostat.txt'), 'captures/x.tar.gz/iostat.txt');
});

test('JUnit: one case per rule × entity with classname; failures, passes, skips; escaping and XML 1.0 characters', () => {
  const nasty = finding('io-heavy-process', 'warning', 'a<b>&"c\'\u0001\uD800', [{ file: 'x.txt', line: 1 }], { message: 'bad \u0000 chars ]]> and <tags>' });
  const c = check(
    [
      bundle(
        'captures/case',
        analysis('case', [saturated, heavy, nasty], [
          { id: 'temp-file-churn', title: 'Temp file churn', severity: 'warning', status: 'skipped', findings: 0, missing: [{ label: 'opensnoop', collect: 'opensnoop -T -U' }], docs: '' },
          { id: 'cpu-iowait', title: 'iowait', severity: 'warning', status: 'ran', findings: 0, docs: '' },
          { id: 'memory', title: 'mem', severity: 'off', status: 'off', findings: 0, docs: '' },
          { id: 'broken', title: 'broken', severity: 'note', status: 'failed', findings: 0, error: 'boom', docs: '' },
        ]),
      ),
      bundle('captures/empty', undefined),
    ],
    'error',
  );
  const xml = formatJunit(c);
  assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites '));
  // No character XML 1.0 forbids, and no raw markup from the finding.
  assert.doesNotMatch(xml, /[\u0000-\u0008\u000b\u000c\u000e-\u001f\uD800-\uDFFF]/);
  assert.doesNotMatch(xml, /a<b>/);
  assert.match(xml, /a&lt;b&gt;&amp;&quot;c&apos;/);
  const cases = [...xml.matchAll(/<testcase ([^>]*?)\/?>/g)].map((m) => m[1]!);
  assert.ok(cases.length >= 8);
  for (const attrs of cases) assert.match(attrs, /^classname="[^"]+" name="[^"]+"/, `every testcase has a classname: ${attrs}`);
  const names = cases.map((a) => /classname="([^"]*)" name="([^"]*)"/.exec(a)!.slice(1).join('/'));
  assert.equal(new Set(names).size, names.length, 'classname + name is unique');
  assert.ok(names.includes(`disk-saturation/sda [${saturated.fingerprint}]`));
  assert.ok(names.includes('cpu-iowait/no finding'));
  assert.ok(names.includes('perftriage/bundle is analyzable'));
  assert.match(xml, /<testcase classname="disk-saturation" name="sda \[[0-9a-f]{16}\]" time="0">\n\s*<failure /);
  // The warning is below --fail-on error: it passes, with its text kept.
  assert.match(xml, /<testcase classname="io-heavy-process" name="app \[[0-9a-f]{16}\]" time="0">\n\s*<system-out>/);
  assert.match(xml, /classname="temp-file-churn" name="rule" time="0">\n\s*<skipped message="inputs missing: opensnoop \(collect: opensnoop -T -U\)"\/>/);
  assert.match(xml, /classname="memory" name="rule" time="0">\n\s*<skipped message="turned off in the config"\/>/);
  assert.match(xml, /classname="broken" name="rule" time="0">\n\s*<error /);
  assert.match(xml, /<testsuites name="perftriage check" tests="\d+" failures="1" errors="2" skipped="2"/);
  assert.equal(xmlEscape('a\u0000b\uFFFEc\u{1F600}'), 'abc\u{1F600}');
});

test('GitHub: documented escaping of data and properties', () => {
  assert.equal(escapeData('100% done\r\nnext, line: 2'), '100%25 done%0D%0Anext, line: 2');
  assert.equal(escapeProperty('a:b,c%d\ne'), 'a%3Ab%2Cc%25d%0Ae');
  assert.equal(
    formatCommand({ kind: 'warning', file: 'captures/a,b/x:y.txt', line: 3, endLine: 5, title: 'rule: title, with comma', message: 'line one\nline two 50%, more' }),
    '::warning file=captures/a%2Cb/x%3Ay.txt,line=3,endLine=5,title=rule%3A title%2C with comma::line one%0Aline two 50%25, more',
  );
});

test('GitHub: most severe first, at most 10 per kind, and a last notice saying how many were left out', () => {
  const many: Finding[] = [];
  for (let i = 0; i < 13; i++) many.push(finding('disk-saturation', 'error', `sd${i}`, [{ file: 'iostat.txt', line: i + 1 }]));
  for (let i = 0; i < 3; i++) many.push(finding('io-heavy-process', 'warning', `p${i}`, [{ file: 'pidstat.txt', line: i + 1 }]));
  for (let i = 0; i < 12; i++) many.push(finding('page-cache-absorbed', 'note', `n${i}`, []));
  const out = formatGithub(check([bundle('captures/case', analysis('case', many))], 'warning'));
  const lines = out.trimEnd().split('\n');
  const kinds = lines.filter((l) => l.startsWith('::')).map((l) => l.slice(2, l.indexOf(' ')));
  assert.equal(kinds.filter((k) => k === 'error').length, ANNOTATIONS_PER_KIND);
  assert.equal(kinds.filter((k) => k === 'warning').length, 3);
  assert.equal(kinds.filter((k) => k === 'notice').length, ANNOTATIONS_PER_KIND, 'nine notes and the notice about the rest');
  assert.deepEqual(kinds.slice(0, 13), [...Array(10).fill('error'), 'warning', 'warning', 'warning'], 'most severe first');
  const left = lines.find((l) => l.includes('left out'))!;
  assert.match(left, /^::notice title=perftriage%3A more findings::3 errors, 3 notices left out/);
  assert.match(lines[lines.length - 1]!, /^perftriage check: FAILED \(exit 1\)/);
  // Every annotation of a located finding names the file in the repository.
  assert.ok(lines.filter((l) => l.startsWith('::error')).every((l) => l.includes('file=captures/case/iostat.txt,line=')));
});

test('GitHub: a Markdown summary that a table cannot be broken by', () => {
  const pipe = finding('io-heavy-process', 'warning', 'a|b', [{ file: 'p.txt', line: 2 }], { message: 'x | y <script>' });
  const c = check([bundle('captures/case', analysis('case', [saturated, pipe]))], 'error', { baseline: { file: 'b.json', findings: [{ fingerprint: 'ffffffffffffffff', rule: 'gone', severity: 'error', title: 'Gone' }] } });
  const md = formatMarkdownSummary(c);
  assert.match(md, /^## perftriage check: ❌ failed \(exit 1\)/);
  assert.match(md, /### Failing/);
  assert.match(md, /<details><summary>1 finding\(s\) that do not fail the run<\/summary>/);
  assert.match(md, /x \\\| y \\<script\\>/);
  assert.match(md, /resolved: `gone` Gone/);
  for (const row of md.split('\n').filter((l) => l.startsWith('| 🟠'))) assert.equal(row.split(/(?<!\\)\|/).length, 8, row);
});

test('GitLab Code Quality: fields, severity mapping, unique fingerprints across bundles', () => {
  const violation = { ...finding('capture-quality', 'error', 'policy', []), fingerprint: fingerprintOf('capture-quality', ['policy', 'min_duration_s']) };
  const c = check([bundle('captures/a', analysis('a', [saturated, heavy, quiet])), bundle('captures/b', analysis('b', [saturated]))], 'error', {
    violations: new Map([['captures/a', [violation]]]),
  });
  const issues = codeQualityIssues(c);
  assert.equal(issues.length, 5);
  assert.deepEqual(issues.map((i) => i.severity).sort(), ['blocker', 'critical', 'critical', 'info', 'major']);
  assert.equal(new Set(issues.map((i) => i.fingerprint)).size, 5, 'GitLab shows one issue per fingerprint');
  const sat = issues.find((i) => i.location.path === 'captures/a/iostat.txt')!;
  assert.deepEqual(sat.location.lines, { begin: 9, end: 13 });
  assert.equal(sat.check_name, 'disk-saturation');
  assert.equal(sat.fingerprint, saturated.fingerprint);
  const pol = issues.find((i) => i.severity === 'blocker')!;
  assert.deepEqual(pol.location, { path: 'captures/a/date.txt', lines: { begin: 1 } });
});

test('primary location: the first evidence file, from its first to its last cited line', () => {
  assert.deepEqual(primaryLocation(saturated, { first_file: 'a.txt' }), { file: 'iostat.txt', startLine: 9, endLine: 13, fallback: false });
  assert.deepEqual(primaryLocation(quiet, { first_file: 'a.txt' }), { file: 'a.txt', startLine: 1, endLine: 1, fallback: true });
});

test('text: verdict line and tags', () => {
  const text = formatCheckText(check([bundle('captures/case', analysis('case', [saturated, heavy]))], 'warning'));
  assert.match(text, /^perftriage check: 1 bundle\(s\), fail on warning: 1 error\(s\), 1 warning\(s\), 0 note\(s\)/);
  assert.match(text, /ERROR {3}disk-saturation: disk-saturation on sda {2}\[FAILS\]\n {2}captures\/case\/iostat.txt:9-13/);
  assert.match(text, /\nFAILED \(exit 1\): 2 findings at or above warning\n$/);
});

test('GitHub: control and bidi characters from a bundle are made visible before escaping', () => {
  const evil = finding('io-heavy-process', 'warning', 'x', [{ file: 'a\u001b[31m\u202e.txt', line: 1 }], { message: 'cmd\u001b]0;title\u0007 ran\nagain' });
  const out = formatGithub(check([bundle('captures/case', analysis('case', [evil]))], 'warning'));
  const line = out.split('\n').find((l) => l.startsWith('::warning'))!;
  assert.doesNotMatch(line, /[\u0000-\u001f\u202e]/);
  assert.match(line, /file=captures\/case\/a\\x1b\[31m\\u202e\.txt,line=1,/);
  assert.match(line, /::cmd\\x1b\]0;title\\x07 ran\\x0aagain%0AWhat to do: /);
});
