/**
 * `perftriage check` end to end, run as the example pipelines in docs/ci/ run it: the built CLI on real
 * bundles, several formats in one run, a baseline from a previous run, `$GITHUB_STEP_SUMMARY`.
 *
 * The expected exit codes are computed from `perftriage analyze --format json` of the same bundle (not
 * from check's own output), so the test stays honest as rules are added: today no rule fires on the
 * popularity capture; once warnings do, `--fail-on warning` must exit 1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cliPath, type CliRun } from './run-cli.js';
import { repoRoot, sharedDir, skipWithoutShared } from '../helpers.js';
import { validate } from '../../src/timeline/schemas.js';
import { sarifErrors } from '../report/sarif-validator.js';

const popularity = join(sharedDir, 'captures', 'popularity');
const seed = join(repoRoot, 'samples', 'seed-case');

/** The CLI under test: the built main.js; PERFTRIAGE_TEST_CLI names another entry point (a build with the command wired differently). */
const entry = process.env.PERFTRIAGE_TEST_CLI ?? cliPath;

/** Like runCli, with an environment (GITHUB_STEP_SUMMARY) and without inheriting the caller's. */
function run(args: string[], env: Record<string, string> = {}): CliRun {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'GITHUB_STEP_SUMMARY') base[k] = v;
  const r = spawnSync(process.execPath, [entry, ...args], { cwd: repoRoot, env: { ...base, ...env }, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'perftriage-check-'));
}

interface Finding {
  rule: string;
  severity: 'error' | 'warning' | 'note';
  fingerprint: string;
  message: string;
  evidence: { file: string; line: number }[];
}

/** The analysis of a bundle, by the analyze command: the independent source of expected exit codes. */
function analyzeFindings(path: string): Finding[] {
  const r = run(['analyze', path, '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { findings: Finding[] }).findings;
}

const RANK = { error: 0, warning: 1, note: 2 } as const;
function expectedExit(findings: readonly Finding[], failOn: 'error' | 'warning' | 'note' | 'none'): number {
  if (failOn === 'none') return 0;
  return findings.some((f) => RANK[f.severity] <= RANK[failOn]) ? 1 : 0;
}

/**
 * A small XML 1.0 well-formedness check for what the JUnit formatter writes: one declaration, elements
 * with double-quoted attributes, text without raw `<` and with `&` only in entity or character references,
 * every element closed in order, one root.
 */
function assertWellFormedXml(xml: string): void {
  const token = /<\?xml[^?]*\?>|<\/([A-Za-z_][\w.-]*)\s*>|<([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  const stack: string[] = [];
  let roots = 0;
  let pos = 0;
  for (let m = token.exec(xml); m; m = token.exec(xml)) {
    pos = token.lastIndex;
    const [whole, close, open, attrs, selfClose, text] = m;
    if (close) assert.equal(stack.pop(), close, `</${close}> closes the open element`);
    else if (open) {
      if (stack.length === 0) roots++;
      for (const value of (attrs ?? '').matchAll(/="([^"]*)"/g)) assert.doesNotMatch(value[1]!, /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/, `attribute ${value[1]}`);
      if (!selfClose) stack.push(open);
    } else if (text !== undefined) {
      assert.doesNotMatch(text, /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/, `text ${text.slice(0, 80)}`);
      if (stack.length === 0) assert.match(text, /^\s*$/, 'only whitespace outside the root');
    } else assert.ok(whole.startsWith('<?xml'));
  }
  assert.equal(pos, xml.length, `unparseable XML at ${pos}: ${xml.slice(pos, pos + 80)}`);
  assert.deepEqual(stack, [], 'every element is closed');
  assert.equal(roots, 1, 'one root element');
}

interface SarifLog {
  runs: {
    results: { ruleId: string; properties: { policy: boolean; bundle: string }; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; endLine?: number } } }[]; partialFingerprints: Record<string, string> }[];
    invocations: { executionSuccessful: boolean; exitCode: number; toolExecutionNotifications: { level: string; message: { text: string } }[] }[];
    tool: { driver: { rules: { id: string }[] } };
  }[];
}

interface CheckJson {
  exit_code: number;
  failed: boolean;
  findings: { fingerprint: string; gating: boolean; baseline?: string; bundle: string }[];
  baseline?: { new: number; unchanged: number; resolved: unknown[] };
}

test('popularity as the GitHub pipeline runs it: exit from the findings, SARIF located and valid, JUnit, Code Quality, JSON and the step summary in one run', { skip: skipWithoutShared }, () => {
  const out = tempDir();
  try {
    const summary = join(out, 'summary.md');
    writeFileSync(summary, '# earlier step\n');
    const findings = analyzeFindings(popularity);
    const r = run(
      ['check', popularity, '--fail-on', 'warning', '--format', 'github', '--output', `sarif=${join(out, 'p.sarif')}`, '--output', `junit=${join(out, 'junit.xml')}`, '--output', `json=${join(out, 'check.json')}`, '--output', `codequality=${join(out, 'cq.json')}`],
      { GITHUB_STEP_SUMMARY: summary },
    );
    assert.equal(r.code, expectedExit(findings, 'warning'), `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /^perftriage check: (FAILED|passed) \(exit [01]\)/m);
    const annotations = r.stdout.split('\n').filter((l) => /^::(error|warning|notice) /.test(l));
    // One annotation per finding, at most 10 of each kind; past that, nine notes and one notice about the rest.
    const count = (s: Finding['severity']): number => findings.filter((f) => f.severity === s).length;
    const overflow = count('error') > 10 || count('warning') > 10 || count('note') > 10;
    const expectedAnnotations = Math.min(count('error'), 10) + Math.min(count('warning'), 10) + Math.min(count('note'), overflow ? 9 : 10) + (overflow ? 1 : 0);
    assert.equal(annotations.length, expectedAnnotations);

    // SARIF: valid, one result per finding, every result in a capture file that exists, within its lines.
    const sarif = JSON.parse(readFileSync(join(out, 'p.sarif'), 'utf8')) as SarifLog;
    assert.deepEqual(sarifErrors(sarif), []);
    const runSarif = sarif.runs[0]!;
    assert.equal(runSarif.results.length, findings.length);
    for (const res of runSarif.results) {
      const loc = res.locations[0]?.physicalLocation;
      assert.ok(loc, `${res.ruleId} has a location`);
      const file = resolve(repoRoot, decodeURIComponent(loc.artifactLocation.uri));
      assert.ok(file.startsWith(`${popularity}/`), loc.artifactLocation.uri);
      assert.ok(existsSync(file), `${loc.artifactLocation.uri} exists`);
      const lines = readFileSync(file, 'utf8').split('\n').length;
      assert.ok(loc.region.startLine >= 1 && (loc.region.endLine ?? loc.region.startLine) <= lines);
      assert.ok(findings.some((f) => f.fingerprint === res.partialFingerprints['perftriage/v1']));
    }
    assert.ok(runSarif.tool.driver.rules.some((d) => d.id === 'disk-saturation'), 'one descriptor per rule');
    assert.equal(runSarif.invocations[0]?.executionSuccessful, true);

    // JUnit: well-formed, a classname on every testcase, one failure per finding at or above warning.
    const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
    assertWellFormedXml(junit);
    const cases = [...junit.matchAll(/<testcase\b[^>]*>/g)].map((m) => m[0]);
    assert.ok(cases.length > 0);
    for (const c of cases) assert.match(c, /\bclassname="[a-z][a-z0-9-]*"/);
    assert.equal((junit.match(/<failure /g) ?? []).length, findings.filter((f) => RANK[f.severity] <= RANK.warning).length);

    // Code Quality: one issue per finding, each on an existing file.
    const cq = JSON.parse(readFileSync(join(out, 'cq.json'), 'utf8')) as { location: { path: string; lines: { begin: number } } }[];
    assert.equal(cq.length, findings.length);
    for (const issue of cq) assert.ok(existsSync(resolve(repoRoot, issue.location.path)), issue.location.path);

    // JSON: valid against schemas/check.schema.json, same verdict as the exit code.
    const json = JSON.parse(readFileSync(join(out, 'check.json'), 'utf8')) as CheckJson;
    const v = validate('check', json);
    assert.ok(v.valid, v.errors.join('; '));
    assert.equal(json.exit_code, r.code);

    // The step summary is appended, not overwritten.
    const md = readFileSync(summary, 'utf8');
    assert.ok(md.startsWith('# earlier step\n## perftriage check: '), md.slice(0, 120));

    // --fail-on none: findings never fail the run.
    assert.equal(run(['check', popularity, '--fail-on', 'none']).code, 0);

    // A second run against the first as its baseline: nothing is new, so it passes, and says so.
    const second = run(['check', popularity, '--fail-on', 'warning', '--baseline', join(out, 'check.json'), '--format', 'json']);
    assert.equal(second.code, 0, second.stderr);
    const again = JSON.parse(second.stdout) as CheckJson;
    assert.deepEqual(again.baseline, { file: join(out, 'check.json'), new: 0, unchanged: findings.length, resolved: [] });
    assert.ok(again.findings.every((f) => f.baseline === 'unchanged' && !f.gating));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('a folder with no capture exits 2, and the requested SARIF still says why', () => {
  const out = tempDir();
  try {
    const empty = join(out, 'empty');
    mkdirSync(empty);
    writeFileSync(join(empty, 'notes.txt'), 'nothing a parser reads\n');
    const r = run(['check', empty, '--output', `sarif=${join(out, 'e.sarif')}`]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /nothing analyzable/);
    const sarif = JSON.parse(readFileSync(join(out, 'e.sarif'), 'utf8')) as SarifLog;
    assert.deepEqual(sarifErrors(sarif), []);
    assert.equal(sarif.runs[0]?.invocations[0]?.executionSuccessful, false);
    assert.ok(sarif.runs[0]?.invocations[0]?.toolExecutionNotifications.some((n) => n.level === 'error' && n.message.text.includes('nothing analyzable')));
    // Alongside an analyzable bundle, the unreadable one still makes the run exit 2.
    assert.equal(run(['check', seed, empty, '--fail-on', 'none']).code, 2);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('usage errors exit 2: bad --output, unreadable baseline, unknown format', () => {
  assert.equal(run(['check', seed, '--output', 'pdf=x.pdf']).code, 2);
  assert.equal(run(['check', seed, '--output', 'sarif']).code, 2);
  assert.equal(run(['check', seed, '--baseline', join(repoRoot, 'package.json')]).code, 2);
  assert.equal(run(['check', seed, '--format', 'html']).code, 2);
  assert.equal(run(['check']).code, 2);
});

test('GitHub annotations escape a path with a comma, a colon and a percent sign, and a message with % and a newline', () => {
  const out = tempDir();
  try {
    const odd = join(out, 'seed, case: 100%');
    cpSync(seed, odd, { recursive: true });
    const findings = analyzeFindings(odd);
    const saturation = findings.find((f) => f.rule === 'disk-saturation');
    assert.ok(saturation, 'the seed case has a saturated disk');
    const r = run(['check', odd, '--format', 'github']);
    assert.equal(r.code, expectedExit(findings, 'error'));
    const line = r.stdout.split('\n').find((l) => l.startsWith('::error ') && l.includes('disk-saturation'));
    assert.ok(line, r.stdout);
    // Properties: `,` `:` `%` escaped, so the path stays one property.
    assert.match(line, /file=[^,]*seed%2C case%3A 100%25\/iostat-dx\.txt,line=\d+,endLine=\d+,title=disk-saturation%3A /);
    // Data: the finding's % and the newline before "What to do" are escaped; commas are left as they are.
    assert.match(line, /::.*%25util up to \d+%25, requests waited.*%0AWhat to do: /);
    assert.doesNotMatch(line.slice(2), /::.*::/, 'no second command hides in the message');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('several bundles in one run: SARIF locations name each bundle; a capture policy fails the run whatever --fail-on says', { skip: skipWithoutShared }, () => {
  const out = tempDir();
  try {
    const config = join(out, 'perftriage.config.json');
    writeFileSync(config, JSON.stringify({ policy: { required_tools: ['iostat', 'pidstat', 'vmstat'] } }));
    const r = run(['check', seed, popularity, '--config', config, '--fail-on', 'none', '--format', 'sarif', '-o', join(out, 'both.sarif'), '--output', `junit=${join(out, 'both.xml')}`]);
    assert.equal(r.code, 1, 'neither bundle has vmstat');
    const sarif = JSON.parse(readFileSync(join(out, 'both.sarif'), 'utf8')) as SarifLog;
    assert.deepEqual(sarifErrors(sarif), []);
    const uris = sarif.runs[0]!.results.map((x) => x.locations[0]!.physicalLocation.artifactLocation.uri);
    assert.ok(uris.some((u) => u.startsWith('samples/seed-case/')));
    assert.ok(uris.some((u) => u.startsWith('../shared/captures/popularity/')));
    // The capture-quality rule may report on these bundles too; the policy's results are marked.
    const policy = sarif.runs[0]!.results.filter((x) => x.properties.policy);
    assert.deepEqual(policy.map((x) => [x.ruleId, x.properties.bundle]).sort(), [
      ['capture-quality', popularity],
      ['capture-quality', seed],
    ].sort(), 'one vmstat violation per bundle');
    assert.ok(sarif.runs[0]!.tool.driver.rules.some((d) => d.id === 'capture-quality'));
    const junit = readFileSync(join(out, 'both.xml'), 'utf8');
    assertWellFormedXml(junit);
    assert.equal((junit.match(/<testcase classname="capture-quality" name="policy required_tools:vmstat" time="0">\n\s*<failure /g) ?? []).length, 2);
    assert.equal((junit.match(/<testcase classname="capture-quality" name="policy required_tools:iostat" time="0">\n\s*<system-out>/g) ?? []).length, 2);
    assert.equal((junit.match(/<testsuite /g) ?? []).length, 2);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('changed-bundles.sh lists the bundle folders and archives a push changed, the way the pipelines call it', { skip: spawnSync('git', ['--version']).status === 0 ? false : 'git is not installed' }, () => {
  const repo = tempDir();
  const git = (...args: string[]): string => {
    const r = spawnSync('git', ['-c', 'user.name=perftriage-test', '-c', 'user.email=test@example.invalid', '-c', 'commit.gpgsign=false', ...args], { cwd: repo, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  const put = (path: string, text: string): void => {
    mkdirSync(join(repo, path, '..'), { recursive: true });
    writeFileSync(join(repo, path), text);
  };
  const script = join(repoRoot, 'docs', 'ci', 'changed-bundles.sh');
  const list = (base: string): string[] => {
    const r = spawnSync('sh', [script, base, 'HEAD', 'captures'], { cwd: repo, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.split('\n').filter(Boolean);
  };
  try {
    git('init', '-q', '.');
    put('captures/a/iostat.txt', 'a\n');
    put('captures/old/top.txt', 'o\n');
    put('captures/old.tar.gz', 'x');
    put('captures/README.md', 'r\n');
    git('add', '-A');
    git('commit', '-qm', 'first');
    const base = git('rev-parse', 'HEAD');
    put('captures/a/iostat.txt', 'a\nb\n');
    put('captures/b c/pidstat.txt', 'p\n');
    put('captures/new.zip', 'z');
    put('captures/notes.md', 'n\n');
    put('src/x.ts', 'x\n');
    git('rm', '-rq', 'captures/old', 'captures/old.tar.gz');
    git('add', '-A');
    git('commit', '-qm', 'second');
    // Changed folders (a file inside), new archives; not deleted bundles, not loose files, not outside captures/.
    assert.deepEqual(list(base), ['captures/a', 'captures/b c', 'captures/new.zip']);
    // A branch's first push (no base): every bundle at HEAD.
    assert.deepEqual(list('0000000000000000000000000000000000000000'), ['captures/a', 'captures/b c', 'captures/new.zip']);
    assert.deepEqual(list(''), ['captures/a', 'captures/b c', 'captures/new.zip']);
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
});
