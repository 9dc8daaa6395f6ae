/**
 * pidstat parser and detector: every corpus file (jc MIT fixtures copied here, sysstat GPL outputs read
 * from ../shared), the popularity capture bundle, perftriage's own recordings, jc conformance, and
 * malformed input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { TimelineRecord } from '../../src/common/types.js';
import { KIB, MIB, GIB } from '../../src/common/units.js';
import { parser } from '../../src/parsers/pidstat.js';
import { parseText, type ParseResult } from '../../src/parsers/run.js';
import { detector } from '../../src/sniff/detectors/pidstat.js';
import { validateRecord } from '../../src/timeline/schemas.js';
import {
  assertCleanParse,
  assertCoverageInvariant,
  fixture,
  fixturesDir,
  listDir,
  parseFile,
  sharedDir,
  skipWithoutShared,
} from '../helpers.js';

const corpus = (name: string): string => join(sharedDir, 'corpus', 'pidstat', name);
const capture = (name: string): string => join(sharedDir, 'captures', 'popularity', name);

function tasks(result: ParseResult): TimelineRecord[] {
  return result.records.filter((r) => r.kind === 'pidstat.task');
}

function hostInfo(result: ParseResult): TimelineRecord {
  const host = result.records.find((r) => r.kind === 'host.info');
  assert.ok(host, `${result.file}: no host.info record`);
  return host;
}

/** The one record matching every given field (fails when none or several match). */
function only(records: readonly TimelineRecord[], where: (r: TimelineRecord) => boolean, what: string): TimelineRecord {
  const found = records.filter(where);
  assert.equal(found.length, 1, `expected exactly one record for ${what}, got ${found.length}`);
  return found[0]!;
}

const at = (iso: string) => (r: TimelineRecord) => r.time?.iso === iso;
const samples = (records: readonly TimelineRecord[]): number[] => [...new Set(records.filter((r) => r.time).map((r) => r.time!.sample!))];

function parsePath(path: string): ParseResult {
  const result = parseFile(parser, path);
  assertCleanParse(result);
  return result;
}

// ------------------------------------------------------------------------------------------ jc fixtures

test('jc centos-7.7 pidstat (no -h): 12-hour times, banner date, one since-boot report', () => {
  const r = parsePath(fixture('pidstat', 'jc-centos-7.7-pidstat.out'));
  assert.deepEqual(
    { ...hostInfo(r), source: undefined },
    { kind: 'host.info', source: undefined, tool: 'pidstat', hostname: 'localhost', kernel: 'Linux 3.10.0-1062.1.2.el7.x86_64', arch: 'x86_64', cpus: 1, date: '2022-03-09' },
  );
  const t = tasks(r);
  assert.equal(t.length, 41);
  for (const rec of t) {
    // 12:06:39 PM is 12:06:39, not 00:06:39
    assert.deepEqual(rec.time, { clock: 'local', iso: '2022-03-09T12:06:39', epoch: Date.UTC(2022, 2, 9, 12, 6, 39) / 1000, sample: 0, since_boot: true });
  }
  const firewalld = only(t, (x) => x.pid === 847, 'pid 847');
  assert.equal(firewalld.command, 'firewalld');
  assert.equal(firewalld.usr_pct, 0.01);
  assert.equal(firewalld.system_pct, 0.01);
  assert.equal(firewalld.cpu_pct, 0.02);
  assert.equal(firewalld.uid, 0);
  assert.equal(firewalld.cpu, 0);
  assert.equal(firewalld.wait_pct, undefined, 'sysstat 10.1.5 has no %wait column');
  assert.equal(only(t, (x) => x.pid === 780, 'polkitd').uid, 999);
  assert.equal(only(t, (x) => x.pid === 2123, 'pidstat itself').command, 'pidstat');
  assert.equal(r.variant, 'pidstat -u, sysstat < 11.5.5');
});

test('jc centos-7.7 pidstat -hl: old "#      Time" header, epoch seconds (utc), command lines with spaces', () => {
  const r = parsePath(fixture('pidstat', 'jc-centos-7.7-pidstat-hl.out'));
  const t = tasks(r);
  assert.equal(t.length, 43);
  assert.deepEqual(t[0]!.time, { clock: 'utc', iso: '2022-03-09T20:52:14Z', epoch: 1646859134, sample: 0, since_boot: true });
  assert.equal(only(t, (x) => x.pid === 787, 'dbus').command, '/usr/bin/dbus-daemon --system --address=systemd: --nofork --nopidfile --systemd-activation');
  assert.equal(only(t, (x) => x.pid === 787, 'dbus').uid, 81);
  // `login -- kbrazil      ` : trailing blanks of -l lines dropped, inner spaces kept
  assert.equal(only(t, (x) => x.pid === 852, 'login').command, 'login -- kbrazil');
  assert.equal(only(t, (x) => x.pid === 1876, 'sshd').command, 'sshd: kbrazil@pts/0');
  assert.equal(only(t, (x) => x.pid === 1222, 'tuned').usr_pct, 0.01);
  assert.ok(r.variant.startsWith('pidstat -u -h'), r.variant);
});

test('jc centos-7.7 pidstat -dlrsuwh 2 5: five one-line reports, all sections merged, -1.00 I/O', () => {
  const r = parsePath(fixture('pidstat', 'jc-centos-7.7-pidstat-hdlrsuw-2-5.out'));
  const t = tasks(r);
  assert.equal(t.length, 36);
  assert.deepEqual(samples(t), [0, 1, 2, 3, 4]);
  assert.deepEqual([...new Set(t.map((x) => x.time!.epoch))], [1646859221, 1646859223, 1646859225, 1646859227, 1646859229]);
  assert.ok(t.every((x) => x.time!.since_boot === undefined), 'an interval run is not since boot');
  assert.equal(t.find((x) => x.time!.sample === 0)!.time!.interval_s, undefined);
  assert.ok(t.filter((x) => x.time!.sample! > 0).every((x) => x.time!.interval_s === 2));

  const self = only(t, (x) => x.pid === 2297 && x.time!.sample === 0, 'pidstat row of report 0');
  assert.equal(self.command, 'pidstat -dlrsuwh 2 5');
  assert.equal(self.uid, 1000);
  assert.equal(self.system_pct, 0.5);
  assert.equal(self.minflt_per_s, 74.75);
  assert.equal(self.vsz_bytes, 108296 * KIB);
  assert.equal(self.rss_bytes, 1072 * KIB);
  assert.equal(self.mem_pct, 0.03);
  assert.equal(self.stack_size_bytes, 132 * KIB);
  assert.equal(self.stack_ref_bytes, 20 * KIB);
  assert.equal(self.read_bytes_per_s, 0);
  assert.equal(self.cswch_per_s, 0.5);
  assert.equal(self.nvcswch_per_s, 0.5);
  assert.equal(self.iodelay_ticks, undefined, 'no iodelay column in sysstat 10.1.5');
  assert.equal(self.io_unreadable, undefined);

  const ksoftirqd = only(t, (x) => x.pid === 6 && x.time!.sample === 0, 'ksoftirqd');
  assert.equal(ksoftirqd.io_unreadable, true);
  assert.equal('read_bytes_per_s' in ksoftirqd, false);
  assert.equal('write_bytes_per_s' in ksoftirqd, false);
  assert.equal('cancelled_write_bytes_per_s' in ksoftirqd, false);
  assert.equal(ksoftirqd.cswch_per_s, 1.49);
  assert.equal(r.variant, 'pidstat -u -r -s -d -w -h, sysstat < 10.2.1');
});

test('jc generic pidstat -ht (-T ALL): %wait table and usr-ms table, ms read as seconds', () => {
  const r = parsePath(fixture('pidstat', 'jc-generic-pidstat-ht.out'));
  const [cpu, child] = tasks(r);
  assert.ok(cpu && child);
  assert.deepEqual(cpu.time, { clock: 'utc', iso: '2023-08-21T00:53:19Z', epoch: 1692579199, sample: 0, since_boot: true });
  assert.equal(cpu.wait_pct, 0.08);
  assert.equal(cpu.system_pct, 0.07);
  assert.equal(child.usr_time_s, 2.89);
  assert.equal(child.system_time_s, 4.26);
  assert.equal(child.guest_time_s, 0);
  assert.equal(child.time!.sample, 0, 'both tables belong to the same report');
  assert.equal(hostInfo(r).hostname, 'localhost.localdomain');
  assert.equal(r.variant, 'pidstat -u -T ALL -h -H, sysstat >= 11.6');
});

// ------------------------------------------------------------------------------------ jc conformance

/**
 * jc field → how to read it from our record. jc keeps pidstat's units (kB, ms); we normalize.
 * Named jc quirks handled as explicit exceptions below (never skipped silently):
 * - JC_IO_MINUS_ONE: jc keeps `-1.0` in kb_rd_s/kb_wr_s/kb_ccwr_s for "not readable"; we omit the field and set io_unreadable.
 */
const JC_FIELDS: Record<string, (r: TimelineRecord) => unknown> = {
  time: (r) => r.time?.epoch,
  uid: (r) => r.uid,
  pid: (r) => r.pid,
  percent_usr: (r) => r.usr_pct,
  percent_system: (r) => r.system_pct,
  percent_guest: (r) => r.guest_pct,
  percent_wait: (r) => r.wait_pct,
  percent_cpu: (r) => r.cpu_pct,
  cpu: (r) => r.cpu,
  minflt_s: (r) => r.minflt_per_s,
  majflt_s: (r) => r.majflt_per_s,
  vsz: (r) => (r.vsz_bytes as number) / KIB,
  rss: (r) => (r.rss_bytes as number) / KIB,
  percent_mem: (r) => r.mem_pct,
  stksize: (r) => (r.stack_size_bytes as number) / KIB,
  stkref: (r) => (r.stack_ref_bytes as number) / KIB,
  kb_rd_s: (r) => (r.read_bytes_per_s as number) / KIB,
  kb_wr_s: (r) => (r.write_bytes_per_s as number) / KIB,
  kb_ccwr_s: (r) => (r.cancelled_write_bytes_per_s as number) / KIB,
  cswch_s: (r) => r.cswch_per_s,
  nvcswch_s: (r) => r.nvcswch_per_s,
  usr_ms: (r) => Math.round((r.usr_time_s as number) * 1000),
  system_ms: (r) => Math.round((r.system_time_s as number) * 1000),
  guest_ms: (r) => Math.round((r.guest_time_s as number) * 1000),
  command: (r) => r.command,
};
const JC_IO_FIELDS: Record<string, string> = { kb_rd_s: 'read_bytes_per_s', kb_wr_s: 'write_bytes_per_s', kb_ccwr_s: 'cancelled_write_bytes_per_s' };

for (const jsonName of listDir(join(fixturesDir, 'pidstat'), '.json').filter((f) => f.startsWith('jc-'))) {
  test(`jc conformance: ${jsonName}`, () => {
    const expected = JSON.parse(readFileSync(fixture('pidstat', jsonName), 'utf8')) as Record<string, unknown>[];
    const r = parsePath(fixture('pidstat', jsonName.replace(/\.json$/, '.out')));
    const ours = tasks(r);
    assert.equal(ours.length, expected.length, 'one record per jc object');
    let ioExceptions = 0;
    expected.forEach((jc, i) => {
      const rec = ours[i]!;
      for (const [key, value] of Object.entries(jc)) {
        const read = JC_FIELDS[key];
        assert.ok(read, `jc field '${key}' has no mapping`);
        const where = `${jsonName}[${i}].${key}`;
        const ioField = JC_IO_FIELDS[key];
        if (ioField && value === -1) {
          // JC_IO_MINUS_ONE
          ioExceptions++;
          assert.equal(rec.io_unreadable, true, where);
          assert.equal(ioField in rec, false, `${where}: ${ioField} must be absent`);
          continue;
        }
        const got = read(rec);
        if (typeof value === 'number' && typeof got === 'number') assert.ok(Math.abs(got - value) <= 1e-9 * Math.max(1, Math.abs(value)), `${where}: ${got} != ${value}`);
        else assert.equal(got, value, where);
      }
      assert.equal(rec.is_thread, false, 'jc fixtures have no -t rows');
    });
    if (jsonName.includes('hdlrsuw')) assert.equal(ioExceptions, 31 * 3, 'the 31 kernel-thread rows print -1.00 in the three kB columns');
  });
}

// ---------------------------------------------------------------------- sysstat regression outputs (GPL)

test('sysstat pidstat: 24-hour time, %wait, since boot', { skip: skipWithoutShared }, () => {
  const r = parsePath(corpus('sysstat-pidstat.txt'));
  const t = tasks(r);
  assert.equal(t.length, 4);
  const firefox = only(t, (x) => x.pid === 8741, 'firefox');
  assert.deepEqual(firefox.time, { clock: 'local', iso: '2020-06-01T12:53:20', epoch: 1591016000, sample: 0, since_boot: true });
  assert.equal(firefox.usr_pct, 0.97);
  assert.equal(firefox.wait_pct, 0.01);
  assert.equal(firefox.cpu_pct, 1.25);
  assert.equal(firefox.cpu, 2);
  assert.equal(hostInfo(r).hostname, 'SYSSTAT.TEST');
  assert.equal(hostInfo(r).cpus, 9);
});

test('sysstat pidstat -dRrsuvw: every section, empty prio/policy section at the end', { skip: skipWithoutShared }, () => {
  const r = parsePath(corpus('sysstat-pidstat-A.txt'));
  const t = tasks(r);
  assert.equal(t.length, 24, '6 non-empty sections x 4 tasks');
  assert.ok(t.every((x) => x.time!.sample === 0 && x.time!.since_boot === true));
  const ff = t.filter((x) => x.pid === 8741);
  assert.equal(ff.length, 6);
  const merged = Object.assign({}, ...ff) as TimelineRecord;
  assert.equal(merged.minflt_per_s, 108.05);
  assert.equal(merged.vsz_bytes, 2535728 * KIB);
  assert.equal(merged.rss_bytes, 335804 * KIB);
  assert.equal(merged.mem_pct, 4.12);
  assert.equal(merged.stack_ref_bytes, 52 * KIB);
  assert.equal(merged.read_bytes_per_s, 28.5 * KIB);
  assert.equal(merged.cancelled_write_bytes_per_s, 4.81 * KIB);
  assert.equal(merged.iodelay_ticks, 1146);
  assert.equal(merged.cswch_per_s, 22.79);
  assert.equal(merged.threads, 67);
  assert.equal(merged.fd_count, 5);
  assert.equal(t.filter((x) => 'policy' in x).length, 0, 'the -R section printed only its header');
  assert.equal(r.variant, 'pidstat -u -r -s -d -w -v -R, sysstat >= 11.5.5');
});

test('sysstat pidstat -t: TGID "-" resolved to the process row above, |__ names with spaces', { skip: skipWithoutShared }, () => {
  const r = parsePath(corpus('sysstat-pidstat-At.txt'));
  const t = tasks(r);
  const jsHelper = t.filter((x) => x.tid === 8785);
  assert.equal(jsHelper.length, 6, 'JS Helper appears in the 6 non-empty sections');
  for (const x of jsHelper) {
    assert.equal(x.pid, 8741);
    assert.equal(x.is_thread, true);
    assert.equal(x.command, 'JS Helper');
  }
  assert.equal(only(t, (x) => x.tid === 8835 && 'usr_pct' in x, 'ImgDecoder').command, 'ImgDecoder #1');
  const gdbus = only(t, (x) => x.tid === 21350 && 'minflt_per_s' in x, 'gdbus');
  assert.equal(gdbus.pid, 21342);
  const main = only(t, (x) => x.tid === 8741 && 'usr_pct' in x, 'firefox main thread');
  assert.equal(main.usr_pct, 0.4);
  const proc = only(t, (x) => x.pid === 8741 && !x.is_thread && 'usr_pct' in x, 'firefox process row');
  assert.equal(proc.usr_pct, 0.97);
  assert.equal('tid' in proc, false, 'process rows carry no tid');
  assert.equal(t.filter((x) => x.is_thread).length, 84 - 6 * 4, 'thread rows: all rows minus 4 processes in 6 sections');
});

test('sysstat pidstat -o JSON -t: same records as the text output of the same test tree', { skip: skipWithoutShared }, () => {
  const r = parsePath(corpus('sysstat-pidstat-At-ALL-JSON.txt'));
  const t = tasks(r);
  assert.equal(t.length, 105, '7 sections x 15 tasks');
  assert.equal(r.variant, 'pidstat -o JSON -u -r -s -d -w -v -R -t');
  assert.deepEqual(hostInfo(r).date, '2020-06-01');
  assert.equal(t[0]!.source.line, 14, 'each record points at its own line');
  assert.equal(t[104]!.source.line, 130);
  assert.ok(t.every((x) => x.time!.iso === '2020-06-01T12:53:20' && x.time!.since_boot === true));
  const policy = only(t, (x) => x.tid === 21350 && 'policy' in x, 'gdbus -R');
  assert.deepEqual([policy.prio, policy.policy, policy.pid], [0, 'NORMAL', 21342]);
  // Every row of the text output has its twin in the JSON output (the JSON run used -p ALL, so it has more).
  const text = tasks(parsePath(corpus('sysstat-pidstat-At.txt')));
  const strip = (x: TimelineRecord): string => JSON.stringify({ ...x, source: undefined });
  const jsonSet = new Set(t.map(strip));
  for (const x of text) assert.ok(jsonSet.has(strip(x)), `no JSON twin for ${x.source.file}:${x.source.line} ${strip(x)}`);
});

test('sysstat pidstat -T ALL -t -dRrsuvw -H -h 2 1: epoch rows, all columns on one line', { skip: skipWithoutShared }, () => {
  const r = parsePath(corpus('sysstat-pidstat-Hh.txt'));
  const t = tasks(r);
  assert.equal(t.length, 23);
  const shell = only(t, (x) => x.pid === 7900 && !x.is_thread && 'usr_pct' in x, 'gnome-shell');
  assert.equal(shell.time!.clock, 'utc');
  assert.equal(shell.time!.epoch, 1591016002);
  assert.equal(shell.cpu_pct, 412.96);
  assert.equal(shell.minflt_per_s, 25095.93);
  assert.equal(shell.vsz_bytes, 4453984 * KIB);
  assert.equal(shell.read_bytes_per_s, 411.81 * KIB);
  assert.equal(shell.iodelay_ticks, 253);
  assert.equal(shell.nvcswch_per_s, 700.96);
  assert.equal(shell.threads, 18);
  assert.equal(shell.policy, 'NORMAL');
  const child = only(t, (x) => x.pid === 7900 && !x.is_thread && 'usr_time_s' in x, 'gnome-shell -T CHILD');
  assert.equal(child.usr_time_s, 112.09);
  assert.equal(child.minflt_count, 785212);
  assert.equal(only(t, (x) => x.tid === 10334 && 'cpu' in x, 'dconf worker').command, 'dconf worker');
  // KNOWN LIMITATION (docs/parsers/pidstat.md): -h output has no header times, so a run of ONE report
  // (`2 1` here) cannot be told from a since-boot run; perftriage marks a lone -h report since_boot.
  assert.ok(t.every((x) => x.time!.since_boot === true));
  assert.equal(r.variant, 'pidstat -u -r -s -d -w -v -R -T ALL -t -h -H, sysstat >= 11.6');
});

test('sysstat pidstat --human -I -T ALL: suffixed sizes and percentages, header time of the previous sample', { skip: skipWithoutShared }, () => {
  const r = parsePath(corpus('sysstat-pidstat-I.txt'));
  const t = tasks(r);
  const live = t.filter((x) => !x.average);
  const avg = t.filter((x) => x.average === true);
  assert.equal(live.length, 18);
  assert.equal(avg.length, 18);
  assert.ok(avg.every((x) => x.time === undefined), 'Average rows carry no time');
  assert.ok(live.every((x) => x.time!.iso === '2020-06-01T12:53:22' && x.time!.interval_s === 2 && x.time!.since_boot === undefined));
  const mem = only(live, (x) => x.pid === 7900 && 'vsz_bytes' in x, 'gnome-shell -r');
  assert.equal(mem.vsz_bytes, 4.2 * GIB);
  assert.equal(mem.rss_bytes, 253.0 * MIB);
  assert.equal(mem.mem_pct, 3.2);
  const cpu = only(live, (x) => x.pid === 7900 && 'cpu_pct' in x, 'gnome-shell -u');
  assert.equal(cpu.cpu_pct, 51.8, '-I divides %CPU by the 8 CPUs');
  assert.equal(only(live, (x) => 'stack_size_bytes' in x, 'stack').stack_ref_bytes, 108 * KIB);
  const io = only(live, (x) => 'read_bytes_per_s' in x, 'io');
  assert.equal(io.read_bytes_per_s, 411.8 * KIB);
  assert.equal(io.cancelled_write_bytes_per_s, 0, '0.0B');
  const avgCpu = only(avg, (x) => x.pid === 7900 && 'cpu_pct' in x, 'average cpu');
  assert.equal(avgCpu.usr_pct, 359.4);
  assert.equal('cpu' in avgCpu, false, "Average rows print '-' for CPU");
});

test('sysstat pidstat -e with -t: one header for six reports, counter-wrap values kept', { skip: skipWithoutShared }, () => {
  const r = parsePath(corpus('sysstat-pidstat-e.txt'));
  const t = tasks(r);
  assert.deepEqual(samples(t), [0, 1, 2, 3, 4, 5], 'a new row time opens a new report');
  assert.deepEqual([...new Set(t.filter((x) => x.time).map((x) => x.time!.iso))], ['22', '24', '26', '28', '30', '32'].map((s) => `2020-06-01T12:53:${s}`));
  const wrap = only(t, (x) => x.tid === 8785 && x.time?.iso === '2020-06-01T12:53:26', 'disk_cache:0');
  assert.equal(wrap.command, 'disk_cache:0');
  assert.equal(wrap.system_pct, 479136209706741632);
  assert.equal(wrap.pid, 8741);
  const avg = t.filter((x) => x.average);
  assert.equal(avg.length, 6);
  assert.ok(avg.filter((x) => x.is_thread).every((x) => x.pid === 8741));
});

test('sysstat pidstat -lt -u -p ALL 2 6: full command lines on process rows, thread names on thread rows', { skip: skipWithoutShared }, () => {
  const r = parsePath(corpus('sysstat-pidstat-l.txt'));
  const t = tasks(r);
  assert.deepEqual(samples(t), [0, 1, 2, 3, 4, 5]);
  const tab = only(t, (x) => x.pid === 9009 && !x.is_thread && at('2020-06-01T12:53:26')(x), 'firefox content process');
  assert.match(tab.command as string, /^\/usr\/lib64\/firefox\/firefox -contentproc -childID 3 .* 8741 tab$/);
  assert.equal(tab.cpu_pct, 17.51);
  // A thread listed under a process row it does not belong to in the simulated tree still takes that row's TGID.
  const dconf = only(t, (x) => x.tid === 8364 && at('2020-06-01T12:53:24')(x), 'dconf worker');
  assert.equal(dconf.pid, 21342);
  assert.equal(dconf.command, 'dconf worker');
  assert.equal(t.filter((x) => x.average).length, 12);
});

test('sysstat pidstat -ds -p 8741,21342 1 3: header time opens each report, two sections per report', { skip: skipWithoutShared }, () => {
  const r = parsePath(corpus('sysstat-pidstat-p.txt'));
  const live = tasks(r).filter((x) => !x.average);
  assert.deepEqual(
    live.map((x) => `${x.time!.sample} ${x.time!.iso} ${x.time!.interval_s}`).filter((v, i, a) => a.indexOf(v) === i),
    ['0 2020-06-01T12:53:21 1', '1 2020-06-01T12:53:22 1', '2 2020-06-01T12:53:23 1'],
  );
  assert.equal(live.filter((x) => x.time!.sample === 1).length, 4);
  assert.equal(only(live, (x) => x.pid === 21342 && x.time!.sample === 2 && 'stack_ref_bytes' in x, 'soffice stack').stack_ref_bytes, 36 * KIB);
});

// ---------------------------------------------------------------------------- the popularity capture

test('popularity pidstat -dt -p APP 1 5: the app pid, its worker TIDs and the capture times', { skip: skipWithoutShared }, () => {
  const truth = JSON.parse(readFileSync(capture('groundtruth/ground-truth.json'), 'utf8')) as { app: { pid: number }; worker_tids: number[] };
  const r = parsePath(capture('pidstat-dt.txt'));
  const t = tasks(r);
  assert.equal(hostInfo(r).date, '2026-11-26');
  assert.ok(t.every((x) => x.pid === truth.app.pid), 'every row, thread rows included, belongs to the app');
  const workers = t.filter((x) => x.is_thread && x.tid !== truth.app.pid);
  const workerTids = [...new Set(workers.map((x) => x.tid as number))];
  assert.deepEqual(workerTids, [26415, 26460]);
  for (const tid of workerTids) assert.ok(truth.worker_tids.includes(tid), `TID ${tid} is a real worker`);

  const w26415 = workers.filter((x) => x.tid === 26415 && !x.average);
  assert.deepEqual(w26415.map((x) => x.time!.iso), ['2026-11-26T17:35:31', '2026-11-26T17:35:32', '2026-11-26T17:35:33']);
  assert.deepEqual(w26415.map((x) => x.time!.sample), [0, 1, 2]);
  assert.deepEqual(w26415.map((x) => x.write_bytes_per_s), [71536.63 * KIB, 76636 * KIB, 72592 * KIB]);
  assert.ok(w26415.every((x) => x.time!.clock === 'local' && x.time!.interval_s === 1));
  const w26460 = only(workers, (x) => x.tid === 26460 && !x.average, 'TID 26460');
  assert.equal(w26460.time!.iso, '2026-11-26T17:35:35');
  assert.equal(w26460.time!.epoch, Date.UTC(2026, 10, 26, 17, 35, 35) / 1000);
  assert.equal(w26460.write_bytes_per_s, 4632 * KIB);

  const burst = only(t, (x) => !x.is_thread && at('2026-11-26T17:35:34')(x), 'process row 17:35:34');
  assert.equal(burst.cancelled_write_bytes_per_s, 514028 * KIB);
  const mainThread = t.filter((x) => x.tid === truth.app.pid && !x.average);
  assert.equal(mainThread.length, 5);
  assert.ok(mainThread.every((x) => x.write_bytes_per_s === 0), 'the main thread writes nothing: the workers do');
  const avg = t.filter((x) => x.average);
  assert.deepEqual(avg.map((x) => [x.pid, x.tid, x.write_bytes_per_s]), [[26246, undefined, 55167.27 * KIB], [26246, 26246, 0], [26246, 26460, 924.55 * KIB]]);
});

test('popularity pidstat -d 1 20: 20 reports (some empty), the app in each with its max rates', { skip: skipWithoutShared }, () => {
  const r = parsePath(capture('pidstat-d.txt'));
  const live = tasks(r).filter((x) => !x.average);
  assert.deepEqual(samples(live), Array.from({ length: 20 }, (_, i) => i));
  const app = live.filter((x) => x.pid === 26246);
  assert.equal(app.length, 20, 'README-capture.md: the app appears in 20 of the 20 intervals');
  assert.equal(app[0]!.time!.iso, '2026-11-26T17:35:21');
  assert.equal(app[19]!.time!.iso, '2026-11-26T17:35:40');
  assert.equal(Math.max(...app.map((x) => x.write_bytes_per_s as number)), 77940 * KIB);
  assert.equal(Math.max(...app.map((x) => x.cancelled_write_bytes_per_s as number)), 518456 * KIB);
  assert.equal(only(tasks(r), (x) => x.average === true && x.pid === 26459, 'curl average').read_bytes_per_s, 7.59 * KIB);
});

test('popularity pidstat -u 1 5: the app burning a CPU', { skip: skipWithoutShared }, () => {
  const r = parsePath(capture('pidstat-u.txt'));
  const t = tasks(r);
  assert.deepEqual(samples(t), [0, 1, 2, 3, 4]);
  const first = only(t, (x) => x.pid === 26246 && x.time?.sample === 0, 'app at 17:35:31');
  assert.deepEqual([first.time!.iso, first.usr_pct, first.system_pct, first.cpu_pct, first.cpu], ['2026-11-26T17:35:31', 92, 8, 100, 1]);
  assert.equal(only(t, (x) => x.pid === 24382 && !x.average, 'kworker').command, 'kworker/u8:0-events_unbound');
  assert.equal(only(t, (x) => x.pid === 26246 && x.average === true, 'app average').cpu_pct, 79.8);
});

// ------------------------------------------------------------------ perftriage's own recordings (MIT)

test('own recording -U -t -dRrsuvw: user names, prio/policy, threads and fds', () => {
  const r = parsePath(fixture('pidstat', 'perftriage-debian12-pidstat-Ut-dRrsuvw-1-2.txt'));
  const t = tasks(r);
  assert.equal(t.length, 84);
  assert.ok(t.every((x) => x.user === 'root' && !('uid' in x)));
  const spinner = only(t, (x) => x.tid === 8704 && x.time?.sample === 0 && 'usr_pct' in x, 'spinning thread');
  assert.deepEqual([spinner.pid, spinner.usr_pct, spinner.cpu, spinner.time!.iso], [8652, 100, 0, '2026-11-27T00:10:02']);
  const writer = only(t, (x) => x.tid === 8705 && x.time?.sample === 1 && 'write_bytes_per_s' in x, 'writer thread');
  assert.equal(writer.write_bytes_per_s, 2496 * KIB);
  const rt = only(t, (x) => x.pid === 8652 && !x.is_thread && x.time?.sample === 0 && 'policy' in x, 'process -R');
  assert.deepEqual([rt.prio, rt.policy], [0, 'NORMAL']);
  const kernel = only(t, (x) => x.pid === 8652 && !x.is_thread && x.average === true && 'threads' in x, 'process -v average');
  assert.deepEqual([kernel.threads, kernel.fd_count], [3, 6]);
  assert.equal(r.variant, 'pidstat -u -r -s -d -w -v -R -t -U, sysstat >= 11.5.5');
});

test('own recording -h -t -T ALL: new one-line header with times of day, two tables per report', () => {
  const r = parsePath(fixture('pidstat', 'perftriage-debian12-pidstat-ht-dRrsuvw-TALL-1-2.txt'));
  const t = tasks(r);
  assert.equal(t.length, 16);
  assert.deepEqual(samples(t), [0, 1]);
  const s0 = t.filter((x) => x.tid === 8704 && x.time!.sample === 0);
  assert.equal(s0.length, 2);
  assert.deepEqual(s0[0]!.time, { clock: 'local', iso: '2026-11-27T00:10:04', epoch: Date.UTC(2026, 10, 27, 0, 10, 4) / 1000, sample: 0 });
  assert.equal(s0[0]!.usr_pct, 99);
  assert.equal(s0[0]!.cswch_per_s, 158);
  assert.equal(s0[1]!.usr_time_s, 0.99);
  const s1 = only(t, (x) => x.tid === 8705 && x.time!.sample === 1 && 'usr_pct' in x, 'writer in report 1');
  assert.equal(s1.time!.interval_s, 1);
  assert.equal(s1.write_bytes_per_s, 2496 * KIB);
  assert.ok(t.every((x) => x.time!.since_boot === undefined), 'two reports: not since boot');
});

test('own recording -H -h -l: epoch seconds and full command line', () => {
  const r = parsePath(fixture('pidstat', 'perftriage-debian12-pidstat-Hhl-ud-1-2.txt'));
  const [a, b] = tasks(r);
  assert.ok(a && b);
  assert.equal(a.command, '/root/.pyenv/versions/3.11.7/bin/python3 work.py');
  assert.deepEqual(a.time, { clock: 'utc', iso: '2026-11-27T00:10:15Z', epoch: 1795738215, sample: 0 });
  assert.deepEqual(b.time, { clock: 'utc', iso: '2026-11-27T00:10:16Z', epoch: 1795738216, sample: 1, interval_s: 1 });
  assert.equal(b.write_bytes_per_s, 2432 * KIB);
  assert.equal(r.variant, 'pidstat -u -d -h -H, sysstat >= 11.6');
});

test('own recording -d as nobody: -1.00 means not readable, the fields are omitted', () => {
  const r = parsePath(fixture('pidstat', 'perftriage-debian12-pidstat-d-nobody-1-1.txt'));
  const t = tasks(r);
  assert.equal(t.length, 4);
  for (const x of t) {
    assert.equal(x.io_unreadable, true);
    assert.equal(x.iodelay_ticks, 0);
    for (const f of ['read_bytes_per_s', 'write_bytes_per_s', 'cancelled_write_bytes_per_s']) assert.equal(f in x, false, f);
  }
  assert.deepEqual(t.map((x) => x.command), ['kthreadd', 'python3', 'kthreadd', 'python3']);
});

test('own recording -T CHILD without interval: since boot (header time == row time)', () => {
  const r = parsePath(fixture('pidstat', 'perftriage-debian12-pidstat-TCHILD-ur.txt'));
  const [cpu, mem] = tasks(r);
  assert.ok(cpu && mem);
  assert.deepEqual(cpu.time, { clock: 'local', iso: '2026-11-27T00:10:17', epoch: Date.UTC(2026, 10, 27, 0, 10, 17) / 1000, sample: 0, since_boot: true });
  assert.deepEqual([cpu.usr_time_s, cpu.system_time_s, cpu.guest_time_s], [4, 0.05, 0]);
  assert.deepEqual([mem.minflt_count, mem.majflt_count, mem.time!.sample], [9450, 0, 0]);
  assert.equal(r.variant, 'pidstat -u -r -T CHILD');
});

// ------------------------------------------------------------------------------- synthetic variants

const BANNER = 'Linux 3.10.0-1062.1.2.el7.x86_64 (localhost) \t03/09/2022 \t_x86_64_\t(1 CPU)\n\n';

function parseString(text: string, name = 'mem.txt'): ParseResult {
  const r = parseText(parser, name, text);
  assertCoverageInvariant(r);
  return r;
}

test('old -h -t prints 0 instead of - in TGID/TID', () => {
  const r = parseString(
    BANNER +
      '#      Time   UID      TGID       TID    %usr %system  %guest    %CPU   CPU  Command\n' +
      ' 1646859221  1000      2297         0    0.00    0.50    0.00    0.50     0  pidstat\n' +
      ' 1646859221  1000         0      2297    0.00    0.50    0.00    0.50     0  |__pidstat\n' +
      ' 1646859221  1000         0      2298    1.00    0.00    0.00    1.00     0  |__worker 1\n',
  );
  assertCleanParse(r);
  const [p, t1, t2] = tasks(r);
  assert.deepEqual([p!.pid, p!.tid, p!.is_thread], [2297, undefined, false]);
  assert.deepEqual([t1!.pid, t1!.tid, t1!.is_thread, t1!.command], [2297, 2297, true, 'pidstat']);
  assert.deepEqual([t2!.pid, t2!.tid, t2!.command, t2!.usr_pct], [2297, 2298, 'worker 1', 1]);
});

test('new -h with 12-hour times and a thread whose process was filtered out (real TGID shown)', () => {
  const r = parseString(
    BANNER +
      '# Time        UID      TGID       TID    %usr %system  %guest   %wait    %CPU   CPU  Command\n' +
      '11:59:59 PM  1000     21342     21350    0.00    0.00    0.00    0.00    0.00     4  |__gdbus\n' +
      '\n' +
      '# Time        UID      TGID       TID    %usr %system  %guest   %wait    %CPU   CPU  Command\n' +
      '12:00:01 AM  1000     21342     21350    2.00    0.00    0.00    0.00    2.00     4  |__gdbus\n',
  );
  assertCleanParse(r);
  const [a, b] = tasks(r);
  assert.deepEqual([a!.pid, a!.tid, a!.is_thread], [21342, 21350, true]);
  assert.equal(a!.time!.iso, '2022-03-09T23:59:59');
  assert.deepEqual(b!.time, { clock: 'local', iso: '2022-03-10T00:00:01', epoch: Date.UTC(2022, 2, 10, 0, 0, 1) / 1000, sample: 1, interval_s: 2 });
});

test('multi-line report across midnight: header 23:59:59, rows 00:00:01 of the next day', () => {
  const r = parseString(
    BANNER +
      '23:59:59      UID       PID    %usr %system  %guest   %wait    %CPU   CPU  Command\n' +
      '00:00:01     1000      8741    0.97    0.28    0.00    0.01    1.25     2  firefox\n',
  );
  assertCleanParse(r);
  assert.deepEqual(tasks(r)[0]!.time, { clock: 'local', iso: '2022-03-10T00:00:01', epoch: Date.UTC(2022, 2, 10, 0, 0, 1) / 1000, sample: 0, interval_s: 2 });
});

test('two runs in one file: samples keep counting, since-boot decided per run', () => {
  const oneLine = '# Time        UID       PID    %usr %system  %guest   %wait    %CPU   CPU  Command\n';
  const r = parseString(
    BANNER + oneLine + '1646859221     0         1    0.00    0.05    0.00    0.00    0.05     0  systemd\n\n' +
      BANNER + oneLine + '1646859300     0         1    0.00    0.05    0.00    0.00    0.05     0  systemd\n\n' +
      oneLine + '1646859301     0         1    0.00    0.05    0.00    0.00    0.05     0  systemd\n',
  );
  assertCleanParse(r);
  assert.deepEqual(tasks(r).map((x) => [x.time!.sample, x.time!.since_boot ?? false]), [[0, true], [1, false], [2, false]]);
  assert.equal(r.records.filter((x) => x.kind === 'host.info').length, 2);
});

test('no banner (file cut at the top): times stay time-of-day for the timeline to date', () => {
  const r = parseString(
    '12:53:20      UID       PID   cswch/s nvcswch/s  Command\n' +
      '12:53:22     1000      8741     22.79      0.28  firefox\n',
  );
  assertCleanParse(r);
  assert.equal(r.records.length, 1);
  assert.deepEqual(tasks(r)[0]!.time, { clock: 'time-of-day', iso: '12:53:22', sample: 0, interval_s: 2 });
});

test('an unknown column is skipped with one warning, its rows still parse', () => {
  const r = parseString(
    BANNER +
      '12:00:00      UID       PID    %usr  %future    %CPU   CPU  Command\n' +
      '12:00:01     1000      8741    0.97     9.99    1.25     2  firefox\n' +
      '12:00:02     1000      8741    0.50     9.99    0.75     2  firefox\n',
  );
  assert.equal(r.coverage.unparsed, 0);
  const warnings = r.diagnostics.filter((d) => d.code === 'unknown-column');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!.message, /%future/);
  assert.deepEqual(tasks(r).map((x) => [x.usr_pct, x.cpu_pct]), [[0.97, 1.25], [0.5, 0.75]]);
});

test('JSON without -t (PID keys), two statistics entries: interval, not since boot', () => {
  const doc = {
    sysstat: {
      hosts: [
        {
          nodename: 'h1', sysname: 'Linux', release: '6.1.0', machine: 'x86_64', 'number-of-cpus': 2, date: '2026-11-27',
          statistics: [
            { timestamp: '10:00:01', 'task-cpu-load': [{ UID: '0', PID: '42', usr: 1.5, system: 0.5, guest: 0, wait: 0, cpu: 2, cpu_nr: 1, cmd: 'x y' }] },
            { timestamp: '10:00:02', io: [{ UID: '0', PID: '42', 'kB_rd/s': -1, 'kB_wr/s': -1, 'kB_ccwr/s': -1, iodelay: 3, cmd: 'x y' }] },
          ],
        },
      ],
    },
  };
  const r = parseString(JSON.stringify(doc, null, 2));
  assertCleanParse(r);
  const [a, b] = tasks(r);
  assert.deepEqual(a, {
    kind: 'pidstat.task', source: { file: 'mem.txt', line: 15 },
    time: { clock: 'local', iso: '2026-11-27T10:00:01', epoch: Date.UTC(2026, 10, 27, 10, 0, 1) / 1000, sample: 0 },
    uid: 0, pid: 42, is_thread: false, command: 'x y', usr_pct: 1.5, system_pct: 0.5, guest_pct: 0, wait_pct: 0, cpu_pct: 2, cpu: 1,
  });
  assert.deepEqual([b!.time!.interval_s, b!.io_unreadable, b!.iodelay_ticks, 'read_bytes_per_s' in b!], [1, true, 3, false]);
  assert.equal(hostInfo(r).hostname, 'h1');
});

test('JSON cut short (pidstat killed): complete task lines are read, the cut line is reported', { skip: skipWithoutShared }, () => {
  const full = readFileSync(corpus('sysstat-pidstat-At-ALL-JSON.txt'), 'utf8').split('\n');
  const cut = [...full.slice(0, 20), full[20]!.slice(0, 40)].join('\n');
  const r = parseString(cut, 'cut.json');
  assert.equal(r.coverage.unparsed, 1);
  assert.equal(r.diagnostics.find((d) => d.code === 'unparsed-line')!.line, 21);
  assert.ok(r.diagnostics.some((d) => d.code === 'json-incomplete'));
  const t = tasks(r);
  assert.equal(t.length, 20 - 13);
  assert.deepEqual([t[1]!.pid, t[1]!.tid, t[1]!.time!.iso, t[1]!.source.line], [8407, 8407, '2020-06-01T12:53:20', 15]);
  assert.equal(hostInfo(r).hostname, 'SYSSTAT.TEST');
  for (const rec of r.records) assert.ok(validateRecord(rec).valid);
});

// --------------------------------------------------------------------------------------- malformed

test('truncated mid-line: the cut row is reported, the rows before it are kept', { skip: skipWithoutShared }, () => {
  const text = readFileSync(capture('pidstat-dt.txt'), 'utf8');
  const cutAt = text.indexOf('17:35:33        0         -     26415') + 40;
  const r = parseString(text.slice(0, cutAt), 'cut.txt');
  assert.equal(r.coverage.unparsed, 1);
  const d = r.diagnostics.find((x) => x.code === 'unparsed-line')!;
  assert.equal(d.line, 12);
  assert.match(d.message, /row ends before/);
  assert.match(d.hint ?? '', /pidstat/);
  assert.equal(tasks(r).length, 8);
});

test('CRLF copy of a real file gives the same records', () => {
  const path = fixture('pidstat', 'perftriage-debian12-pidstat-Ut-dRrsuvw-1-2.txt');
  const lf = parseFile(parser, path);
  const crlf = parseText(parser, path, readFileSync(path, 'utf8').replace(/\n/g, '\r\n'));
  assertCleanParse(crlf);
  assert.deepEqual(crlf.records, lf.records);
  assert.ok(crlf.diagnostics.some((d) => d.code === 'crlf'));
});

test('binary garbage, an empty file and another tool\'s file: diagnostics, no exception', () => {
  const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) % 256));
  const g = parseText(parser, 'garbage.bin', garbage);
  assertCoverageInvariant(g);
  assert.ok(g.coverage.unparsed > 0);
  assert.equal(tasks(g).length, 0);

  const e = parseText(parser, 'empty.txt', '');
  assertCoverageInvariant(e);
  assert.deepEqual([e.records.length, e.coverage.lines], [0, 0]);

  const noHeader = parseString('12:00:01     1000      8741    0.97    1.25     2  firefox\n');
  assert.equal(noHeader.coverage.unparsed, 1);
  assert.match(noHeader.diagnostics[0]!.message, /before data rows/);
});

test('another tool\'s files (every other corpus folder) never yield pidstat.task records', { skip: skipWithoutShared }, () => {
  for (const path of otherToolFiles()) {
    const r = parseFile(parser, path);
    assertCoverageInvariant(r);
    assert.equal(tasks(r).length, 0, path);
    if (path.endsWith('JSON.txt')) assert.equal(r.records.length, 0, `${path}: another sysstat tool's JSON yields no host.info either`);
    if (statSync(path).size > 0) assert.ok(r.coverage.unparsed > 0 || r.coverage.lines === r.coverage.skipped, path);
  }
});

// ------------------------------------------------------------------------------------------ schema

test('schema: typos and uid+user together are rejected', () => {
  const valid = (record: object): boolean => validateRecord(record as { kind?: unknown }).valid;
  const base = { kind: 'pidstat.task', source: { file: 'f', line: 1 }, pid: 1, is_thread: false, command: 'init' };
  assert.ok(valid(base));
  assert.equal(valid({ ...base, usr_pcnt: 1 }), false);
  assert.equal(valid({ ...base, uid: 0, user: 'root' }), false);
  assert.equal(valid({ ...base, read_bytes_per_s: -1024 }), false);
  assert.equal(valid({ ...base, is_thread: undefined }), false);
});

// ---------------------------------------------------------------------------------------- detector

function head(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').slice(0, 64).map((l) => l.replace(/\r$/, ''));
}

function otherToolFiles(): string[] {
  const root = join(sharedDir, 'corpus');
  const out: string[] = [];
  for (const tool of readdirSync(root)) {
    if (tool === 'pidstat' || !statSync(join(root, tool)).isDirectory()) continue;
    for (const f of readdirSync(join(root, tool))) out.push(join(root, tool, f));
  }
  for (const f of readdirSync(join(sharedDir, 'captures', 'popularity'))) {
    if (!f.startsWith('pidstat') && statSync(capture(f)).isFile()) out.push(capture(f));
  }
  return out;
}

test('detector: every pidstat text file of the fixtures, with its flags', () => {
  const expected: Record<string, string> = {
    'jc-centos-7.7-pidstat.out': 'pidstat -u',
    'jc-centos-7.7-pidstat-hl.out': 'pidstat -u -h, sysstat < 11.6',
    'jc-centos-7.7-pidstat-hdlrsuw-2-5.out': 'pidstat -u -r -s -d -w -h, sysstat < 11.6, sysstat < 10.2.1',
    'jc-generic-pidstat-ht.out': 'pidstat -u -T ALL -h -H, sysstat >= 11.6, sysstat >= 11.5.5',
    'perftriage-debian12-pidstat-Ut-dRrsuvw-1-2.txt': 'pidstat -u -r -s -d -w -v -R -t -U, sysstat >= 11.5.5',
    'perftriage-debian12-pidstat-ht-dRrsuvw-TALL-1-2.txt': 'pidstat -u -r -s -d -w -v -R -T ALL -t -h, sysstat >= 11.6, sysstat >= 11.5.5',
    'perftriage-debian12-pidstat-Hhl-ud-1-2.txt': 'pidstat -u -d -h -H, sysstat >= 11.6, sysstat >= 11.5.5',
    'perftriage-debian12-pidstat-d-nobody-1-1.txt': 'pidstat -d',
    'perftriage-debian12-pidstat-TCHILD-ur.txt': 'pidstat -u -r -T CHILD',
  };
  for (const [name, variant] of Object.entries(expected)) {
    const res = detector.detect(head(fixture('pidstat', name)));
    assert.ok(res, name);
    assert.equal(res.tool, 'pidstat');
    assert.ok(res.confidence >= 0.9, `${name}: ${res.confidence}`);
    assert.equal(res.variant, variant, name);
  }
  // jc's own JSON is not a pidstat capture
  assert.equal(detector.detect(head(fixture('pidstat', 'jc-centos-7.7-pidstat-hl.json'))), null);
});

test('detector: sysstat files and captures of pidstat are claimed, with high confidence', { skip: skipWithoutShared }, () => {
  const files = [...readdirSync(join(sharedDir, 'corpus', 'pidstat')).filter((f) => f.startsWith('sysstat-')).map(corpus), capture('pidstat-d.txt'), capture('pidstat-dt.txt'), capture('pidstat-u.txt')];
  for (const path of files) {
    const res = detector.detect(head(path));
    assert.ok(res && res.tool === 'pidstat' && res.confidence >= 0.9, path);
  }
  assert.equal(detector.detect(head(corpus('sysstat-pidstat-At-ALL-JSON.txt')))!.variant, 'pidstat -o JSON');
  // The header alone (banner cut off) is still pidstat's.
  const noBanner = head(capture('pidstat-dt.txt')).slice(2);
  assert.ok(detector.detect(noBanner)!.confidence >= 0.9);
});

test('detector: files of every other tool are not claimed', { skip: skipWithoutShared }, () => {
  for (const path of otherToolFiles()) {
    const res = detector.detect(head(path));
    assert.ok(res === null || res.confidence < 0.5, `${path} claimed as ${res?.variant}`);
  }
});

test('the first -h report takes its interval from the manifest command; without one it has none', async () => {
  const { commandInterval } = await import('../../src/parsers/pidstat.js');
  assert.equal(commandInterval('pidstat -d -h, sysstat >= 11.6; command: pidstat -dt -h -p 20482 1 15'), 1);
  assert.equal(commandInterval('command: /usr/bin/pidstat -C python -G app 5'), 5);
  assert.equal(commandInterval('command: pidstat -e sleep 5'), undefined);
  assert.equal(commandInterval('command: pidstat -d > pidstat.txt 1'), undefined);
  assert.equal(commandInterval('pidstat -d -h, sysstat >= 11.6'), undefined);
  // A real -h capture of ours (pidstat -h -t … 1 2): its first report has no start time.
  const text = readFileSync(fixture('pidstat', 'perftriage-debian12-pidstat-ht-dRrsuvw-TALL-1-2.txt'), 'utf8');
  const firstSample = (variant: string): (number | undefined)[] =>
    parseText(parser, 'pidstat-ht.txt', text, variant).records.filter((r) => r.kind === 'pidstat.task' && r.time?.sample === 0).map((r) => r.time?.interval_s);
  const without = firstSample('');
  assert.ok(without.length > 0 && without.every((i) => i === undefined), String(without.slice(0, 3)));
  assert.ok(firstSample('command: pidstat -h -t -d -R -r -s -u -v -w -T ALL 1 2').every((i) => i === 1));
});

test('the rows of one report share one time object (dated once, in place, like filetop\'s); a held-back first -h report shares the since-boot mark', () => {
  const r = parsePath(fixture('pidstat', 'jc-centos-7.7-pidstat-hdlrsuw-2-5.out'));
  const t = tasks(r);
  for (const sample of samples(t)) {
    const times = new Set(t.filter((x) => x.time!.sample === sample).map((x) => x.time));
    assert.equal(times.size, 1, `report ${sample}: ${times.size} time objects`);
  }
  // One -h report alone is since boot: every row of it says so through the one object.
  const lines = readFileSync(fixture('pidstat', 'jc-centos-7.7-pidstat-hdlrsuw-2-5.out'), 'utf8').split('\n');
  const second = lines.findIndex((l, k) => k > 3 && l.startsWith('#'));
  const one = parseText(parser, 'one.txt', Buffer.from(lines.slice(0, second).join('\n')), '');
  const rows = tasks(one);
  assert.ok(rows.length > 3);
  assert.ok(rows.every((x) => x.time!.since_boot === true && x.time === rows[0]!.time));
});
