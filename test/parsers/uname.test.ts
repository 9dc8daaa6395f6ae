/**
 * uname parser and detector: jc fixtures (MIT, copied here: Red Hat, Ubuntu, macOS), the popularity capture,
 * our own Debian line, jc conformance field by field, malformed input.
 * See docs/parsers/uname.md and test/fixtures/uname/PROVENANCE.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parser, parseUnameLine } from '../../src/parsers/uname.js';
import { parseText, type ParseResult } from '../../src/parsers/run.js';
import { detector } from '../../src/sniff/detectors/uname.js';
import { SNIFF_LINES } from '../../src/sniff/types.js';
import { assertCleanParse, assertCoverageInvariant, fixture, listDir, parseFile, sharedDir, skipWithoutShared } from '../helpers.js';
import { otherToolFiles } from '../helpers.js';

const ours = (name: string): string => fixture('uname', name);
const sniff = (content: string): ReturnType<typeof detector.detect> =>
  detector.detect(content.split('\n').slice(0, SNIFF_LINES).map((l) => l.replace(/\r$/, '')));

function recordsOf(r: ParseResult): { host: Record<string, unknown>; info: Record<string, unknown> } {
  assert.deepEqual(r.records.map((x) => x.kind), ['host.info', 'uname.info'], basename(r.file));
  const strip = (x: Record<string, unknown>): Record<string, unknown> => {
    const { kind: _k, source: _s, ...rest } = x;
    return rest;
  };
  return { host: strip(r.records[0]!), info: strip(r.records[1]!) };
}

test('every uname fixture parses cleanly into host.info + uname.info', () => {
  const files = listDir(fixture('uname')).filter((f) => f.endsWith('.out') || f.endsWith('.txt'));
  assert.equal(files.length, 4);
  for (const f of files) assertCleanParse(parseFile(parser, ours(f)));
});

test('Debian (own): processor and platform omitted by GNU coreutils; version with its words', () => {
  const { host, info } = recordsOf(parseFile(parser, ours('own-uname-a.txt')));
  assert.deepEqual(host, { tool: 'uname', hostname: 'vm', kernel: 'Linux 6.18.44-fc-v669', arch: 'x86_64' });
  assert.deepEqual(info, {
    kernel_name: 'Linux', hostname: 'vm', kernel_release: '6.18.44-fc-v669', kernel_version: '#1 SMP PREEMPT_DYNAMIC @0',
    machine: 'x86_64', operating_system: 'GNU/Linux',
  });
});

test('popularity capture uname.txt: the VM of the case study', { skip: skipWithoutShared }, () => {
  const r = parseFile(parser, join(sharedDir, 'captures', 'popularity', 'uname.txt'));
  assertCleanParse(r);
  const { host } = recordsOf(r);
  assert.deepEqual(host, { tool: 'uname', hostname: 'vm', kernel: 'Linux 6.18.44-fc-v595', arch: 'x86_64' });
  assert.equal(sniff(readFileSync(join(sharedDir, 'captures', 'popularity', 'uname.txt'), 'utf8'))?.tool, 'uname');
});

test('other layouts: aarch64 Debian, RHEL i686 triple, FreeBSD (no OS word), Android, busybox', () => {
  const deb = parseUnameLine('Linux rpi 6.1.0-rpi7-rpi-v8 #1 SMP PREEMPT Debian 1:6.1.63-1+rpt1 (2023-11-24) aarch64 GNU/Linux');
  assert.ok(typeof deb !== 'string');
  assert.equal(deb.machine, 'aarch64');
  assert.equal(deb.kernel_version, '#1 SMP PREEMPT Debian 1:6.1.63-1+rpt1 (2023-11-24)');
  const old = parseUnameLine('Linux box 2.6.18-398.el5 #1 SMP Tue Sep 16 20:51:48 EDT 2014 i686 i686 i386 GNU/Linux');
  assert.ok(typeof old !== 'string');
  assert.deepEqual([old.machine, old.processor, old.hardware_platform], ['i686', 'i686', 'i386']);
  const bsd = parseUnameLine('FreeBSD fbsd 13.2-RELEASE FreeBSD 13.2-RELEASE releng/13.2-n254617-525ecfdad597 GENERIC amd64');
  assert.ok(typeof bsd !== 'string');
  assert.equal(bsd.machine, 'amd64');
  assert.equal(bsd.operating_system, undefined);
  assert.equal(bsd.kernel_version, 'FreeBSD 13.2-RELEASE releng/13.2-n254617-525ecfdad597 GENERIC');
  const android = parseUnameLine('Linux localhost 4.14.190-perf #1 SMP PREEMPT Wed Mar 2 2022 aarch64 Android');
  assert.ok(typeof android !== 'string');
  assert.equal(android.operating_system, 'Android');
});

// ------------------------------------------------------------------------------------------------
// jc conformance
// ------------------------------------------------------------------------------------------------

/**
 * Named exceptions (docs/parsers/uname.md, "Differences from jc"):
 * - JC_NODE_NAME: jc calls the host name `node_name`; ours is `hostname` (as in host.info).
 * - JC_COLLAPSES_SPACES: jc re-joins the macOS version with single spaces (`Sun Dec 1`); ours keeps the printed
 *   spacing (`Sun Dec  1`).
 */
function compareWithJc(outName: string, jsonName: string): void {
  const { info } = recordsOf(parseFile(parser, ours(outName)));
  const jc = JSON.parse(readFileSync(ours(jsonName), 'utf8')) as Record<string, string>;
  const expectedKeys = new Set(Object.keys(jc).map((k) => (k === 'node_name' ? 'hostname' : k)));
  assert.deepEqual(new Set(Object.keys(info)), expectedKeys, `${outName}: same fields present`);
  for (const [key, value] of Object.entries(jc)) {
    if (key === 'node_name') assert.equal(info.hostname, value, `${outName}: JC_NODE_NAME`);
    else if (key === 'kernel_version') assert.equal(String(info.kernel_version).replace(/ {2,}/g, ' '), value, `${outName}: kernel_version (JC_COLLAPSES_SPACES)`);
    else assert.equal(info[key], value, `${outName}: ${key}`);
  }
}

test('jc conformance: CentOS 7.7, Ubuntu 18.04, macOS 10.14.6', () => {
  compareWithJc('jc-centos-7.7-uname-a.out', 'jc-centos-7.7-uname-a.json');
  compareWithJc('jc-ubuntu-18.04-uname-a.out', 'jc-ubuntu-18.04-uname-a.json');
  compareWithJc('jc-osx-10.14.6-uname-a.out', 'jc-osx-10.14.6-uname-a.json');
  const { info } = recordsOf(parseFile(parser, ours('jc-osx-10.14.6-uname-a.out')));
  assert.equal(info.kernel_version, 'Darwin Kernel Version 18.7.0: Sun Dec  1 18:59:03 PST 2019; root:xnu-4903.278.19~1/RELEASE_X86_64');
});

// ------------------------------------------------------------------------------------------------
// Malformed input
// ------------------------------------------------------------------------------------------------

test('uname without -a, a sysstat banner, garbage, empty, CRLF, a cut line: diagnostics, no exception', () => {
  const bare = parseText(parser, 'u.txt', 'Linux\n');
  assertCoverageInvariant(bare);
  assert.equal(bare.coverage.unparsed, 1);
  assert.match(bare.diagnostics[0]!.message, /uname -a/);
  const banner = parseText(parser, 'b.txt', 'Linux 3.10.0-1062.1.2.el7.x86_64 (localhost) \t03/11/2022 \t_x86_64_\t(1 CPU)\n');
  assert.equal(banner.coverage.unparsed, 1);
  assert.match(banner.diagnostics[0]!.message, /sysstat banner/);
  const garbage = parseText(parser, 'g.bin', Buffer.from([0x00, 0xff, 0x0a, 0x89, 0x50, 0x4e, 0x47, 0x20, 0x41, 0x20, 0x42, 0x20, 0x43, 0x20, 0x44, 0x0a]));
  assertCoverageInvariant(garbage);
  assert.equal(garbage.records.length, 0);
  assert.equal(garbage.coverage.unparsed, 2);
  const empty = parseText(parser, 'e.txt', '');
  assertCoverageInvariant(empty);
  assert.equal(empty.records.length, 0);
  const text = readFileSync(ours('jc-centos-7.7-uname-a.out'), 'utf8');
  const crlf = parseText(parser, 'c.txt', text.replace(/\n/g, '\r\n'));
  assertCleanParse(crlf);
  assert.deepEqual(crlf.records, parseText(parser, 'c.txt', text).records);
  const cut = parseText(parser, 'cut.txt', text.slice(0, 40));
  assertCoverageInvariant(cut);
  assert.equal(cut.coverage.unparsed, 1);
  const other = parseFile(parser, fixture('vmstat', 'own-vmstat-1-3.txt'));
  assertCoverageInvariant(other);
  assert.equal(other.records.length, 0);
});

// ------------------------------------------------------------------------------------------------
// Detector
// ------------------------------------------------------------------------------------------------

test('detector: every uname fixture is uname -a', () => {
  for (const f of listDir(fixture('uname')).filter((n) => n.endsWith('.out') || n.endsWith('.txt'))) {
    const s = sniff(readFileSync(ours(f), 'utf8'));
    assert.equal(s?.tool, 'uname', f);
    assert.equal(s!.variant, 'uname -a');
    assert.ok(s!.confidence >= 0.9, f);
  }
  assert.equal(sniff('Linux\n'), null);
  assert.equal(sniff('Linux 3.10.0-1062.1.2.el7.x86_64 (localhost) \t03/11/2022 \t_x86_64_\t(1 CPU)\n'), null);
  assert.equal(sniff(`Linux h 6.1 #1 ${'x '.repeat(5000)}x86_64 GNU/Linux\n`), null, 'over-long line is not uname');
});


test("detector: claims no other tool's file", { skip: skipWithoutShared }, () => {
  const files = otherToolFiles('uname', (f) => f === 'uname.txt');
  assert.ok(files.length > 50);
  for (const path of files) {
    const s = sniff(readFileSync(path, 'utf8'));
    assert.equal(s, null, `${basename(path)} claimed as ${s?.variant}`);
  }
});
