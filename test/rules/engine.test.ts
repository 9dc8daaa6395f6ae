/**
 * The rule engine and the config file: skips, severities, crash isolation, determinism, validation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { rule as diskSaturation } from '../../src/rules/rules/disk-saturation.js';
import { allRules, resolveConfig } from '../../src/rules/index.js';
import { fingerprintOf } from '../../src/rules/engine.js';
import type { AnyRule, RuleModule } from '../../src/rules/types.js';
import { repoRoot } from '../helpers.js';
import { analyzeWith } from './helpers.js';
import { runCli } from '../cli/run-cli.js';

const seed = join(repoRoot, 'samples', 'seed-case');

/** A rule that throws: the engine must report it and still run the others. */
const exploding: RuleModule<Record<string, never>> = {
  meta: {
    id: 'exploding',
    title: 'Throws',
    description: 'A rule that crashes, to test isolation.',
    defaultSeverity: 'warning',
    requires: [],
    uses: [],
    optionsSchema: { type: 'object', additionalProperties: false },
    defaults: {},
    docs: 'docs/rules/exploding.md',
  },
  evaluate() {
    throw new Error('boom at the model');
  },
};

test('a rule that throws is reported as failed with a diagnostic; the other rules still run', async () => {
  const a = await analyzeWith(seed, [exploding, diskSaturation] as AnyRule[]);
  const run = a.rules.find((r) => r.id === 'exploding');
  assert.equal(run?.status, 'failed');
  assert.equal(run?.error, 'boom at the model');
  assert.deepEqual(a.diagnostics, [{ severity: 'error', code: 'rule-failed', message: 'rule exploding failed and was skipped: boom at the model' }]);
  assert.equal(a.findings.filter((f) => f.rule === 'disk-saturation').length, 1);
});

test('config: off turns a rule off; a severity overrides the default', async () => {
  const off = await analyzeWith(seed, [diskSaturation], { rules: { 'disk-saturation': 'off' } });
  assert.deepEqual(off.findings, []);
  assert.equal(off.rules[0]?.status, 'off');
  const note = await analyzeWith(seed, [diskSaturation], { rules: { 'disk-saturation': { severity: 'note' } } });
  assert.equal(note.findings[0]?.severity, 'note');
  assert.deepEqual(note.summary, { error: 0, warning: 0, note: 1 });
});

test('config errors name the rule and the problem: unknown rule, bad option, wrong shape', () => {
  const unknown = resolveConfig({ rules: { 'disk-saturaton': 'error' } }, allRules, 'my.json');
  assert.match(unknown.errors[0] ?? '', /^my\.json: unknown rule 'disk-saturaton' \(known: .*disk-saturation/);
  const badOption = resolveConfig({ rules: { 'disk-saturation': ['error', { util_pct: 150 }] } }, allRules);
  assert.match(badOption.errors[0] ?? '', /rules\.disk-saturation options\/util_pct must be <= 100/);
  const extra = resolveConfig({ rules: { 'disk-saturation': ['error', { utilisation: 5 }] } }, allRules);
  assert.match(extra.errors[0] ?? '', /must NOT have additional properties/);
  const shape = resolveConfig({ rule: {} }, allRules);
  assert.ok(shape.errors.length > 0);
  const badSeverity = resolveConfig({ rules: { 'disk-saturation': 'fatal' } }, allRules);
  assert.ok(badSeverity.errors.length > 0);
});

test('fingerprints: rule + identity only, 16 hex digits', () => {
  assert.equal(fingerprintOf('disk-saturation', ['sda']), fingerprintOf('disk-saturation', ['sda']));
  assert.notEqual(fingerprintOf('disk-saturation', ['sda']), fingerprintOf('disk-saturation', ['sdb']));
  assert.notEqual(fingerprintOf('a', ['bc']), fingerprintOf('ab', ['c']));
  assert.match(fingerprintOf('x', []), /^[0-9a-f]{16}$/);
});

test('analyze CLI: same input, same bytes; a bad config file exits 2 with one line', () => {
  const a = runCli(['analyze', seed, '--format', 'json']);
  const b = runCli(['analyze', seed, '--format', 'json']);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(a.stdout, b.stdout);
  const dir = mkdtempSync(join(tmpdir(), 'perftriage-config-'));
  try {
    const cfg = join(dir, 'perftriage.config.json');
    writeFileSync(cfg, JSON.stringify({ rules: { 'disk-saturation': ['error', { util_pct: 'high' }] } }));
    const bad = runCli(['analyze', seed, '--config', cfg]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /perftriage\.config\.json: rules\.disk-saturation options\/util_pct must be number/);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
    writeFileSync(cfg, '{ not json');
    const broken = runCli(['analyze', seed, '--config', cfg]);
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /cannot read the config/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every registered rule has a doc page, a test, a kebab-case id and defaults valid for its schema', async () => {
  const { existsSync } = await import('node:fs');
  const fresh = resolveConfig(undefined, allRules);
  assert.deepEqual(fresh.errors, []);
  for (const r of allRules) {
    assert.match(r.meta.id, /^[a-z][a-z0-9-]*$/);
    assert.equal(r.meta.docs, `docs/rules/${r.meta.id}.md`);
    assert.ok(existsSync(join(repoRoot, r.meta.docs)), `${r.meta.docs} exists`);
    assert.ok(existsSync(join(repoRoot, 'test', 'rules', `${r.meta.id}.test.ts`)), `test/rules/${r.meta.id}.test.ts exists`);
    const check = resolveConfig({ rules: { [r.meta.id]: [r.meta.defaultSeverity, r.meta.defaults] } }, allRules);
    assert.deepEqual(check.errors, [], `${r.meta.id} defaults validate`);
    for (const need of r.meta.requires) assert.ok(need.collect.length > 0 && need.kinds.length > 0, `${r.meta.id}: ${need.label}`);
  }
});
