/**
 * --redact: host names, user names, IP addresses and home-directory names become pseudonyms, the same in
 * every output of a run; the mapping is written only where --redact-map says.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './run-cli.js';
import { Redactor } from '../../src/timeline/redact.js';

const files: Record<string, string> = {
  'uname.txt': 'Linux db-prod-7 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01) x86_64 GNU/Linux\n',
  'ps-ef.txt': [
    'UID          PID    PPID  C STIME TTY          TIME CMD',
    'root           1       0  0 10:00 ?        00:00:01 /sbin/init',
    'alice       4242       1 30 10:00 ?        00:10:00 /home/alice/venv/bin/python /home/alice/app.py --db 10.20.30.40 --peer fe80::1ff:fe23:4567:890a',
    'bob         4300       1  0 10:01 ?        00:00:00 ssh bob@db-prod-7 -p 22',
    '',
  ].join('\n'),
  'lsof.txt': [
    'COMMAND  PID  USER   FD   TYPE DEVICE SIZE/OFF    NODE NAME',
    'python  4242 alice    3w   REG  254,1   123456 1234567 /home/alice/logs/app.log',
    'python  4242 alice    5u  IPv4  99999      0t0     TCP 10.20.30.40:5432->192.168.7.9:44100 (ESTABLISHED)',
    'python  4242 alice    6u  IPv4  99998      0t0     TCP 127.0.0.1:8080 (LISTEN)',
    '',
  ].join('\n'),
  // Not a tool's output: capture-quality cites its first line, so the report quotes it in its appendix.
  'notes.txt': 'alice logged in from 10.20.30.40 on db-prod-7\n',
};

const SECRETS = ['db-prod-7', 'alice', 'bob', '10.20.30.40', '192.168.7.9', 'fe80::1ff:fe23:4567:890a'];

test('--redact: no real name in timeline, model or analysis; the same pseudonyms everywhere; map only on request', () => {
  const dir = mkdtempSync(join(tmpdir(), 'perftriage-redact-'));
  try {
    const bundle = join(dir, 'bundle');
    for (const [name, content] of Object.entries(files)) {
      const p = join(bundle, name);
      mkdirSync(bundle, { recursive: true });
      writeFileSync(p, content, { flag: 'w' });
    }
    const outputs = [
      runCli(['timeline', bundle, '--redact']),
      runCli(['model', bundle, '--redact', '--format', 'json']),
      runCli(['analyze', bundle, '--redact', '--format', 'json', '--redact-map', join(dir, 'map.json')]),
      runCli(['report', bundle, '--redact', '--format', 'html']),
      runCli(['report', bundle, '--redact', '--format', 'md']),
      runCli(['check', bundle, '--redact', '--fail-on', 'none', '--format', 'sarif']),
    ];
    for (const o of outputs) {
      assert.equal(o.code, 0, o.stderr);
      for (const secret of SECRETS) assert.ok(!o.stdout.includes(secret), `${secret} leaked`);
    }
    // The report's appendix re-reads the raw line, redacted like everything else.
    assert.match(outputs[3]!.stdout, /user-1 logged in from 192\.0\.2\.1 on host-1/);
    const timeline = outputs[0]!.stdout;
    assert.match(timeline, /"hostname": "host-1"/);
    assert.match(timeline, /\/home\/user-1\/app\.py --db 192\.0\.2\.1 --peer 2001:db8::3"/);
    assert.match(timeline, /ssh user-2@host-1 -p 22/);
    assert.match(timeline, /192\.0\.2\.1:5432->192\.0\.2\.2:44100/, 'the same address, the same pseudonym');
    assert.match(timeline, /127\.0\.0\.1:8080/, 'loopback is kept');
    assert.match(timeline, /"user": "root"/, 'system accounts are kept');
    const model = outputs[1]!.stdout;
    assert.match(model, /\/home\/user-1\/venv\/bin\/python/);
    const map = JSON.parse(readFileSync(join(dir, 'map.json'), 'utf8')) as { hosts: Record<string, string>; users: Record<string, string>; ips: Record<string, string> };
    assert.deepEqual(map.hosts, { 'db-prod-7': 'host-1' });
    assert.deepEqual(map.users, { alice: 'user-1', bob: 'user-2' });
    assert.equal(map.ips['10.20.30.40'], '192.0.2.1');
    assert.ok(!existsSync(join(dir, 'bundle', 'map.json')));
    // Same bundle, same pseudonyms: the output does not depend on the run.
    assert.equal(runCli(['timeline', bundle, '--redact']).stdout, timeline);
    const noMap = runCli(['timeline', bundle, '--redact-map', join(dir, 'x.json')]);
    assert.equal(noMap.code, 2);
    assert.match(noMap.stderr, /--redact-map needs --redact/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Redactor: times, versions and words that merely contain a name are left alone', () => {
  const r = new Redactor();
  r.learn([{ kind: 'host.info', source: { file: 'u', line: 1 }, hostname: 'vm' }]);
  assert.equal(r.text('17:35:20.457 vm.dirty_ratio = 20 on vm'), '17:35:20.457 vm.dirty_ratio = 20 on host-1');
  assert.equal(r.text('kernel 6.18.44 vmstat vm-2'), 'kernel 6.18.44 vmstat vm-2');
  assert.equal(r.text('::1 and 0.0.0.0 stay'), '::1 and 0.0.0.0 stay');
});
