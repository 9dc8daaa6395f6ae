/**
 * Golden tests: the report JSON of every sample, reduced to what a reviewer signs off (the verdict, and per
 * finding its rule, severity, title, entities, evidence and fingerprint), must equal the reviewed file in
 * samples/expected/. A change there is a deliberate commit: regenerate with
 *
 *     npm run build && PERFTRIAGE_UPDATE_GOLDEN=1 node --test dist/test/samples/
 *
 * and review the diff. The ground-truth tests below hold independently of the golden files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers.js';
import { runCli } from '../cli/run-cli.js';

interface ReportFinding {
  rule: string;
  severity: string;
  title: string;
  entities: Record<string, unknown>;
  evidence: { file: string; line: number }[];
  fingerprint: string;
}
interface Report {
  verdict: { headline: string; disk_bottleneck?: string; device?: string; pid?: number; tids?: number[] };
  summary: Record<string, number>;
  findings: ReportFinding[];
}

const SAMPLES = ['seed-case', 'tempfile-churn.tar.gz', 'logging-storm.tar.gz', 'quiet-baseline.tar.gz'];
const update = process.env.PERFTRIAGE_UPDATE_GOLDEN === '1';

function report(sample: string): Report {
  const r = runCli(['report', join(repoRoot, 'samples', sample), '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Report;
}

function golden(r: Report): unknown {
  const v = r.verdict;
  return {
    verdict: { headline: v.headline, disk_bottleneck: v.disk_bottleneck, device: v.device, pid: v.pid, tids: v.tids },
    summary: r.summary,
    findings: r.findings.map((f) => ({ rule: f.rule, severity: f.severity, title: f.title, entities: f.entities, evidence: f.evidence, fingerprint: f.fingerprint })),
  };
}

for (const sample of SAMPLES) {
  const name = sample.replace(/\.tar\.gz$/, '');
  test(`golden: ${name} matches samples/expected/${name}.json`, () => {
    const expectedPath = join(repoRoot, 'samples', 'expected', `${name}.json`);
    const actual = golden(report(sample));
    if (update) writeFileSync(expectedPath, `${JSON.stringify(actual, null, 1)}\n`);
    assert.deepEqual(actual, JSON.parse(readFileSync(expectedPath, 'utf8')));
  });
}

/** The ground truth of each recorded sample, as samples/README.md states it. */
test('tempfile-churn: the app, its request threads, /tmp/{uuid}/{n}.txt and vda; the disk is not the bottleneck', () => {
  const r = report('tempfile-churn.tar.gz');
  assert.equal(r.verdict.pid, 20482);
  assert.equal(r.verdict.device, 'vda');
  assert.equal(r.verdict.disk_bottleneck, 'no');
  // Request threads recorded by the workload (requests.jsonl) inside the capture window.
  for (const tid of r.verdict.tids ?? []) assert.ok([20487, 20783, 20813, 20816, 20819, 20822, 20871].includes(tid), `tid ${tid}`);
  assert.ok((r.verdict.tids ?? []).length >= 3);
  const churn = r.findings.find((f) => f.rule === 'temp-file-churn');
  assert.deepEqual(churn?.entities.patterns, ['/tmp/{uuid}/{n}.txt']);
  assert.deepEqual(churn?.entities.pids, [20482]);
  assert.ok(r.findings.some((f) => f.rule === 'io-heavy-process' && (f.entities.pids as number[]).includes(20482)));
  assert.ok(!r.findings.some((f) => f.rule === 'disk-saturation'));
});

test('logging-storm: excessive-logging names the log file, the app and its worker thread', () => {
  const r = report('logging-storm.tar.gz');
  const f = r.findings.find((x) => x.rule === 'excessive-logging');
  assert.ok(f, 'excessive-logging fired');
  assert.deepEqual(f.entities.pids, [21117]);
  assert.deepEqual(f.entities.tids, [21119]);
  assert.deepEqual(f.entities.paths, ['/var/tmp/perftriage-logstorm/app.log']);
  assert.equal(r.summary.error, 0);
});

test('quiet-baseline: no warning and no error', () => {
  const r = report('quiet-baseline.tar.gz');
  assert.equal(r.summary.error, 0);
  assert.equal(r.summary.warning, 0);
  assert.match(r.verdict.headline, /^No problem found/);
});
