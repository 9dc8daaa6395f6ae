/**
 * The capture policy (src/rules/policy.ts) on real bundles: the seed case, the popularity capture, and
 * copies of the seed case with a line nobody can read. Each item is checked against what the bundle holds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildTimeline } from '../../src/timeline/build.js';
import { evaluatePolicy } from '../../src/rules/policy.js';
import { fingerprintOf } from '../../src/rules/engine.js';
import { allRules, resolveConfig } from '../../src/rules/index.js';
import { repoRoot, sharedDir, skipWithoutShared } from '../helpers.js';
import { withBundle } from './helpers.js';

const seed = join(repoRoot, 'samples', 'seed-case');
const popularity = join(sharedDir, 'captures', 'popularity');
const policyFingerprint = (item: string): string => fingerprintOf('capture-quality', ['policy', item]);

test('no policy, no checks', async () => {
  const result = evaluatePolicy(await buildTimeline(seed), undefined);
  assert.deepEqual(result, { checks: [], violations: [] });
});

test('required_tools: one check per tool; a missing tool is an error finding with a policy fingerprint and the command to collect it', async () => {
  const result = evaluatePolicy(await buildTimeline(seed), { required_tools: ['pidstat', 'iostat', 'vmstat'] });
  assert.deepEqual(
    result.checks.map((c) => [c.item, c.passed, c.detail]),
    [
      ['required_tools:iostat', true, 'iostat: iostat-dx.txt'],
      ['required_tools:pidstat', true, 'pidstat: pidstat-d.txt'],
      ['required_tools:vmstat', false, 'no vmstat output in the bundle'],
    ],
  );
  assert.equal(result.violations.length, 1);
  const v = result.violations[0]!;
  assert.equal(v.rule, 'capture-quality');
  assert.equal(v.severity, 'error');
  assert.equal(v.fingerprint, policyFingerprint('required_tools:vmstat'));
  assert.deepEqual(v.evidence, [], 'nothing in the bundle shows an absence: reports place it on the first file');
  assert.match(v.title, /no vmstat output/);
  assert.match(v.recommendation, /vmstat -t/);
});

test('min_duration_s: the span of record times, with the first and last record as evidence', async () => {
  const timeline = await buildTimeline(seed);
  // The seed case runs from top.txt:1 (1544797622) to filetop.txt:19 (1544798441): 819 s.
  const pass = evaluatePolicy(timeline, { min_duration_s: 819 });
  assert.deepEqual(pass.checks, [{ item: 'min_duration_s', passed: true, detail: '819 s between the earliest and the latest record time' }]);
  const fail = evaluatePolicy(timeline, { min_duration_s: 820 });
  assert.equal(fail.checks[0]?.passed, false);
  assert.equal(fail.violations[0]?.fingerprint, policyFingerprint('min_duration_s'));
  assert.deepEqual(fail.violations[0]?.evidence, [
    { file: 'top.txt', line: 1 },
    { file: 'filetop.txt', line: 19 },
  ]);
  assert.match(fail.violations[0]?.message ?? '', /covers 819 s .* at least 820 s/);
});

test('timestamps_required: series without times are violations, snapshots are exempt', { skip: skipWithoutShared }, async () => {
  const result = evaluatePolicy(await buildTimeline(popularity), { timestamps_required: true });
  const failed = result.checks.filter((c) => !c.passed).map((c) => c.item);
  // iostat without -t (text and JSON) prints only sample numbers; ps, lsof, df are one snapshot each.
  assert.deepEqual(failed, ['timestamps_required:iostat-json.txt', 'timestamps_required:iostat.txt']);
  assert.ok(result.checks.some((c) => c.item === 'timestamps_required:iostat-t.txt' && c.passed));
  assert.ok(!result.checks.some((c) => c.item.includes('ps-eLf.txt') || c.item.includes('lsof.txt')));
  const iostat = result.violations.find((v) => v.fingerprint === policyFingerprint('timestamps_required:iostat.txt'));
  assert.ok(iostat);
  assert.deepEqual(iostat.entities, { paths: ['iostat.txt'] });
  assert.equal(iostat.evidence[0]?.file, 'iostat.txt');
  assert.match(iostat.message, /holds 20 samples and none carries a time/);
});

test('max_unparsed_lines: the total over files, the unparsed lines as evidence', async () => {
  const iostat = readFileSync(join(seed, 'iostat-dx.txt'), 'utf8').replace(/\n\n/, '\nthis is not iostat output at all\n\n');
  await withBundle({ 'iostat-dx.txt': iostat, 'df.txt': readFileSync(join(seed, 'df.txt'), 'utf8') }, async (dir) => {
    const timeline = await buildTimeline(dir);
    const unparsed = timeline.files.reduce((n, f) => n + f.coverage.unparsed, 0);
    assert.ok(unparsed >= 1, 'the inserted line is not understood');
    assert.equal(evaluatePolicy(timeline, { max_unparsed_lines: unparsed }).violations.length, 0);
    const fail = evaluatePolicy(timeline, { max_unparsed_lines: 0 });
    assert.equal(fail.checks[0]?.detail, `${unparsed} unparsed line(s)`);
    assert.equal(fail.violations[0]?.fingerprint, policyFingerprint('max_unparsed_lines'));
    assert.deepEqual(fail.violations[0]?.evidence[0], { file: 'iostat-dx.txt', line: 2 }, 'the line inserted after the banner');
  });
});

test('config: policy is read and checked; an unknown tool or a wrong type is a config error', () => {
  const ok = resolveConfig({ policy: { required_tools: ['iostat', 'pidstat'], min_duration_s: 10, timestamps_required: true, max_unparsed_lines: 0 } }, allRules);
  assert.deepEqual(ok.errors, []);
  assert.deepEqual(ok.policy, { required_tools: ['iostat', 'pidstat'], min_duration_s: 10, timestamps_required: true, max_unparsed_lines: 0 });
  assert.equal(resolveConfig({ rules: {} }, allRules).policy, undefined);
  assert.match(resolveConfig({ policy: { required_tools: ['iostatt'] } }, allRules).errors.join(' '), /unknown tool 'iostatt'/);
  assert.ok(resolveConfig({ policy: { min_duration_s: '10' } }, allRules).errors.length > 0);
  assert.ok(resolveConfig({ policy: { max_unparsed_lines: -1 } }, allRules).errors.length > 0);
  assert.ok(resolveConfig({ policy: { typo: true } }, allRules).errors.length > 0);
});
