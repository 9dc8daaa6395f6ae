/**
 * The collector (scripts/collect.sh, printed by `perftriage collector`): run for real on this machine with a
 * short window against a sleeping child process, under dash (a strict POSIX sh) when it is installed. The
 * bundle it writes must validate, parse with no unparsed line, and its manifest must say what ran and when.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers.js';
import { runCli } from './run-cli.js';

const script = join(repoRoot, 'scripts', 'collect.sh');
const shell = existsSync('/usr/bin/dash') ? '/usr/bin/dash' : '/bin/sh';
const missing = ['timeout', 'tar', 'ps'].filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
const skip = missing.length > 0 ? `collector needs ${missing.join(', ')}` : false;

test('perftriage collector prints the script', () => {
  const r = runCli(['collector']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, readFileSync(script, 'utf8'));
});

test('collect.sh: bad options exit 2 with a usage line, before doing anything', { skip }, () => {
  for (const args of [['-d', 'x'], ['-p', 'notapid'], ['-p', '999999999'], ['-z']]) {
    const r = spawnSync(shell, [script, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /collect\.sh|usage/);
  }
});

test('collect.sh -d 2 -p PID writes a bundle perftriage reads with no unparsed line and a valid manifest', { skip, timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'perftriage-collect-'));
  const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
  try {
    const out = join(dir, 'b.tar.gz');
    const r = spawnSync(shell, [script, '-d', '2', '-s', '1', '-p', String(sleeper.pid), '-o', out], { encoding: 'utf8', timeout: 100_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /wrote .*b\.tar\.gz/);
    const t = runCli(['timeline', out]);
    assert.equal(t.code, 0, t.stderr);
    const timeline = JSON.parse(t.stdout) as {
      files: { path: string; tool: string; decided_by: string; coverage: { unparsed: number } }[];
      diagnostics: { code: string; message: string }[];
      clock: { timezone?: string; timezone_source?: string };
    };
    assert.ok(!timeline.diagnostics.some((d) => d.code.startsWith('manifest')), JSON.stringify(timeline.diagnostics));
    for (const f of timeline.files) assert.equal(f.coverage.unparsed, 0, `${f.path} has unparsed lines`);
    const tools = new Set(timeline.files.map((f) => f.tool));
    for (const tool of ['ps', 'date', 'uname']) assert.ok(tools.has(tool), `${tool} in ${[...tools].join(', ')}`);
    // Whatever ran is in the manifest with its command and window.
    const m = spawnSync('tar', ['-xzOf', out, '--wildcards', '*/manifest.json'], { encoding: 'utf8' });
    const manifest = JSON.parse(m.stdout) as { version: string; collector: string; cpus: number; timezone: string; files: { path: string; command: string; started_at: string; ended_at: string; exit_status: number }[] };
    assert.equal(manifest.version, '1.0.0');
    assert.match(manifest.collector, /^perftriage-collect /);
    assert.ok(manifest.cpus >= 1);
    writeFileSync(join(dir, 'manifest.json'), m.stdout);
    const v = runCli(['validate', join(dir, 'manifest.json'), '--schema', 'manifest']);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    const ps = manifest.files.find((f) => f.path === 'ps-efT.txt');
    assert.equal(ps?.command, 'ps -efT');
    assert.ok(ps.started_at <= ps.ended_at);
    // The collector's own notes say what could not run (never fatal).
    if (spawnSync('sh', ['-c', 'command -v iostat']).status === 0) assert.ok(tools.has('iostat'));
    if (spawnSync('dmesg', ['-x', '-T']).status === 0) assert.equal(manifest.files.find((f) => f.path === 'dmesg.txt')?.command, 'dmesg -x -T');
    if (spawnSync('dmesg', ['-x', '-T']).status === 0) assert.ok(tools.has('dmesg'), `dmesg in ${[...tools].join(', ')}`);
    // PSI, where the kernel has it: one timestamped snapshot a second, read as pressure with its times.
    if (existsSync('/proc/pressure/io')) {
      const psi = timeline.files.find((f) => f.path.endsWith('pressure.txt'));
      assert.equal(psi?.tool, 'pressure', `pressure.txt in ${timeline.files.map((f) => `${f.path}=${f.tool}`).join(', ')}`);
      assert.match(manifest.files.find((f) => f.path === 'pressure.txt')?.command ?? '', /grep -H \. \/proc\/pressure\/\*/);
    }
    assert.equal(timeline.files.find((f) => f.path.endsWith('meminfo.txt'))?.tool, 'meminfo');
    if (spawnSync('sh', ['-c', 'command -v strace']).status === 0) {
      const strace = manifest.files.find((f) => f.path === 'strace.txt');
      assert.match(strace?.command ?? '', /^strace -f -tt -T -y -s 128 -o .*strace\.txt -p \d+$/);
    }
  } finally {
    sleeper.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});
