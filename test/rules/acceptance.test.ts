/**
 * The rules issue's acceptance, with every registered rule at its defaults: the real popularity capture and
 * the seed case each get the findings a support engineer would write, naming the same entities.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allRules } from '../../src/rules/index.js';
import type { Finding } from '../../src/rules/types.js';
import { repoRoot, sharedDir, skipWithoutShared } from '../helpers.js';
import { analyzeWith } from './helpers.js';

const seed = join(repoRoot, 'samples', 'seed-case');
const popularity = join(sharedDir, 'captures', 'popularity');

function byRule(findings: readonly Finding[], rule: string): Finding[] {
  return findings.filter((f) => f.rule === rule);
}

test('popularity: temp-file-churn, io-heavy-process, strace-missed-threads, page-cache-absorbed name the app, its workers, the pattern and vda; no disk-saturation', { skip: skipWithoutShared }, async () => {
  const truth = JSON.parse(readFileSync(join(popularity, 'groundtruth', 'ground-truth.json'), 'utf8')) as { app: { pid: number }; worker_tids: number[] };
  const a = await analyzeWith(popularity, allRules);
  assert.deepEqual(byRule(a.findings, 'disk-saturation'), []);
  assert.equal(a.summary.error, 0);
  for (const rule of ['temp-file-churn', 'io-heavy-process', 'strace-missed-threads', 'page-cache-absorbed']) {
    const [f, ...more] = byRule(a.findings, rule);
    assert.ok(f, `${rule} fired`);
    assert.equal(more.length, 0, `${rule} fired once`);
    assert.deepEqual(f.entities.pids, [truth.app.pid], `${rule} names the app`);
    assert.ok(f.evidence.length > 0);
  }
  const churn = byRule(a.findings, 'temp-file-churn')[0]!;
  assert.deepEqual(churn.entities.patterns, ['/tmp/{uuid}/{n}.txt']);
  assert.deepEqual(churn.entities.devices, ['vda']);
  const heavy = byRule(a.findings, 'io-heavy-process')[0]!;
  assert.deepEqual(heavy.entities.devices, ['vda']);
  const missed = byRule(a.findings, 'strace-missed-threads')[0]!;
  assert.deepEqual([...(missed.entities.tids ?? [])].sort(), [...truth.worker_tids].sort(), 'every worker thread strace -p missed');
  assert.ok(missed.collect?.some((c) => c.startsWith(`strace -f -tt -T -y -p ${truth.app.pid}`)));
  assert.deepEqual(byRule(a.findings, 'page-cache-absorbed')[0]!.entities.devices, ['vda']);
});

test('seed case: disk-saturation on sda, cpu-iowait, strace-missed-threads for TID 514, temp-file-churn', async () => {
  const a = await analyzeWith(seed, allRules);
  assert.deepEqual(byRule(a.findings, 'disk-saturation')[0]?.entities.devices, ['sda']);
  assert.equal(byRule(a.findings, 'cpu-iowait').length, 1);
  assert.deepEqual(byRule(a.findings, 'strace-missed-threads')[0]?.entities.tids, [514]);
  const churn = byRule(a.findings, 'temp-file-churn')[0];
  assert.deepEqual(churn?.entities.patterns, ['/tmp/{uuid}/{n}.txt']);
  assert.deepEqual(churn?.entities.tids, [514]);
  assert.deepEqual(byRule(a.findings, 'page-cache-absorbed'), [], 'sda is busy: a writeback backlog, not an absorbed write');
  assert.equal(a.summary.error, 1);
});

test('every rule ran on both captures (none skipped for missing inputs it should have, none failed)', { skip: skipWithoutShared }, async () => {
  for (const bundle of [seed, popularity]) {
    const a = await analyzeWith(bundle, allRules);
    assert.deepEqual(a.rules.filter((r) => r.status === 'failed'), []);
    assert.deepEqual(a.diagnostics, []);
  }
});
