/**
 * What a command loads before it works. On a small file a command's time is its start (issue #9 holds
 * perftriage to jc "on every pidstat and top file jc can parse", and those are a few KiB): `parse` and
 * `sniff` must not load the pipeline's rules and model, the report's renderers, ajv or papaparse. A
 * probe (test/probes/log-loads.mjs) records every module the CLI process loads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fixture, repoRoot } from '../helpers.js';
import { cliPath } from './run-cli.js';

const probe = pathToFileURL(join(repoRoot, 'test', 'probes', 'log-loads.mjs')).href;
/** The probe's resolve hook needs module.register (Node.js 20.6 on; package.json allows 20.0). */
const skip = typeof (nodeModule as { register?: unknown }).register === 'function' ? false : 'module.register is missing (Node.js before 20.6)';

/** The modules `perftriage ARGS` loaded (URLs of ES modules, paths of CommonJS ones), and its exit code. */
function loadsOf(args: string[]): { code: number; loaded: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'perftriage-loads-'));
  const log = join(dir, 'loads.txt');
  try {
    const r = spawnSync(process.execPath, ['--import', probe, cliPath, ...args], { cwd: repoRoot, env: { ...process.env, PERFTRIAGE_LOAD_LOG: log }, encoding: 'utf8', timeout: 60_000 });
    let text = '';
    try {
      text = readFileSync(log, 'utf8');
    } catch {
      // nothing recorded: the assertions below say so
    }
    return { code: r.status ?? -1, loaded: [...new Set(text.split('\n').filter(Boolean))] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What a small-file command has no use for, by the path that names it. */
const HEAVY: readonly [string, RegExp][] = [
  ['the rules', /\/src\/rules\/(index|config|system)\.js$|\/src\/rules\/rules\//],
  ['the model', /\/src\/model\//],
  ['the pipeline', /\/src\/cli\/pipeline\.js$/],
  ['the report renderers', /\/src\/report\/(index|render|view-model)\.js$/],
  ['ajv', /\/node_modules\/ajv\//],
  ['papaparse', /\/node_modules\/papaparse\//],
  ['handlebars', /\/node_modules\/handlebars\//],
  ['marked', /\/node_modules\/marked\//],
];

function heavyIn(loaded: readonly string[]): string[] {
  return HEAVY.filter(([, re]) => loaded.some((m) => re.test(m))).map(([name]) => name);
}

const smallPidstat = fixture('pidstat', 'jc-centos-7.7-pidstat-hl.out');

test('parse of a small file loads its parser, not the pipeline, the report, ajv or papaparse', { skip }, () => {
  const { code, loaded } = loadsOf(['parse', smallPidstat, '--format', 'json']);
  assert.equal(code, 0);
  // The probe saw the run: the parser that read the file is among the modules.
  assert.ok(loaded.some((m) => m.endsWith('/src/parsers/pidstat.js')), `the probe recorded ${loaded.length} modules, pidstat's parser not among them`);
  assert.deepEqual(heavyIn(loaded), []);
});

test('sniff loads no more than parse does', { skip }, () => {
  const { code, loaded } = loadsOf(['sniff', smallPidstat]);
  assert.equal(code, 0);
  assert.deepEqual(heavyIn(loaded), []);
});

test('the probe sees what a command does load: report loads the rules and the model, validate ajv', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'perftriage-loads-out-'));
  try {
    const report = loadsOf(['report', smallPidstat, '--format', 'md', '-o', join(dir, 'r.md')]);
    assert.equal(report.code, 0);
    assert.deepEqual(heavyIn(report.loaded).filter((h) => h === 'the rules' || h === 'the model' || h === 'the pipeline'), ['the rules', 'the model', 'the pipeline']);
    const validate = loadsOf(['validate', fixture('pidstat', 'jc-centos-7.7-pidstat-hl.json'), '--schema', 'manifest']);
    assert.ok(heavyIn(validate.loaded).includes('ajv'), 'validate loaded no ajv module');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
