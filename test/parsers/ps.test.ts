/**
 * ps parser and detector: jc's MIT fixtures (copied here) with field-by-field jc conformance, perftriage's own
 * recorded fixtures, the popularity capture (../shared; app PID and worker TIDs from its ground truth), and
 * malformed input. See docs/parsers/ps.md and test/fixtures/ps/PROVENANCE.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { TimelineRecord } from '../../src/common/types.js';
import { parseDuration, parser, readStart } from '../../src/parsers/ps.js';
import { parseText, type ParseResult } from '../../src/parsers/run.js';
import { detector, psHeaderTitles, psVariant } from '../../src/sniff/detectors/ps.js';
import { SNIFF_LINES } from '../../src/sniff/types.js';
import { assertCleanParse, assertCoverageInvariant, fixture, hasShared, listDir, parseFile, sharedDir, skipWithoutShared } from '../helpers.js';

const ours = (name: string): string => fixture('ps', name);
const popularity = (name: string): string => join(sharedDir, 'captures', 'popularity', name);

function sniff(content: string): ReturnType<typeof detector.detect> {
  return detector.detect(content.split('\n').slice(0, SNIFF_LINES).map((l) => l.replace(/\r$/, '')));
}

/** The one record with this pid (and tid). */
function row(result: ParseResult, pid: number, tid?: number): TimelineRecord {
  const found = result.records.filter((r) => r.pid === pid && (tid === undefined || r.tid === tid));
  assert.equal(found.length, 1, `${basename(result.file)}: expected one row for pid ${pid}${tid === undefined ? '' : ` tid ${tid}`}, found ${found.length}`);
  return found[0]!;
}

/** Records without the file name, to compare two parses of the same data. */
const comparable = (result: ParseResult): unknown[] => result.records.map((r) => ({ ...r, source: { line: r.source.line } }));

/** Independent reading of jc's TIME strings (`00:00:03`, `0:03`, `1-02:03:04`) for conformance. */
function jcTimeSeconds(text: string): number {
  const [days, clock] = text.includes('-') ? text.split('-') : ['0', text];
  const parts = clock!.split(':').map(Number);
  while (parts.length < 3) parts.unshift(0);
  return Number(days) * 86400 + parts[0]! * 3600 + parts[1]! * 60 + parts[2]!;
}

// ------------------------------------------------------------------------------------------------
// Header, start-time and duration readers
// ------------------------------------------------------------------------------------------------

test('headers are recognized by their words and name the flags', () => {
  assert.equal(psVariant(psHeaderTitles('UID          PID    PPID  C STIME TTY          TIME CMD')!), 'ps -ef');
  assert.equal(psVariant(psHeaderTitles('UID        PID  SPID  PPID  C STIME TTY          TIME CMD')!), 'ps -efT');
  assert.equal(psVariant(psHeaderTitles('UID        PID  PPID   LWP  C NLWP STIME TTY          TIME CMD')!), 'ps -eLf');
  assert.equal(psVariant(psHeaderTitles('USER        PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND')!), 'ps aux');
  assert.equal(psVariant(psHeaderTitles('    PID COMMAND')!), 'ps -o pid,command');
  // top's task header, pidstat's, filetop's: not ps.
  assert.equal(psHeaderTitles('    PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND'), undefined);
  assert.equal(psHeaderTitles('12:00:01      UID       PID    %usr %system  %guest   %wait    %CPU   CPU  Command'), undefined);
  assert.equal(psHeaderTitles('TID     COMM             READS  WRITES R_Kb    W_Kb    T FILE'), undefined);
  assert.equal(psHeaderTitles('UID PPID C STIME TTY TIME CMD'), undefined, 'no PID');
  assert.equal(psHeaderTitles('UID PID PPID C STIME TTY TIME'), undefined, 'no command column');
});

test('start times in every form ps prints', () => {
  assert.deepEqual(readStart(['17:35']), { start_time_of_day: '17:35' });
  assert.deepEqual(readStart(['00:19:08']), { start_time_of_day: '00:19:08' });
  assert.deepEqual(readStart(['Nov30']), { start_month: 11, start_day: 30 });
  assert.deepEqual(readStart(['Oct', '25']), { start_month: 10, start_day: 25 });
  assert.deepEqual(readStart(['2021']), { start_year: 2021 });
  assert.deepEqual(readStart(['Fri', 'Nov', '27', '00:19:08', '2026']), { start_year: 2026, start_month: 11, start_day: 27, start_time_of_day: '00:19:08' });
  assert.equal(readStart(['25:61']), undefined);
  assert.equal(readStart(['Foo30']), undefined);
});

test('durations: [DD-][HH:]MM:SS and plain seconds', () => {
  assert.equal(parseDuration('00:00:03'), 3);
  assert.equal(parseDuration('0:03'), 3);
  assert.equal(parseDuration('1:26'), 86);
  assert.equal(parseDuration('120:05'), 7205);
  assert.equal(parseDuration('2-03:04:05'), 2 * 86400 + 3 * 3600 + 4 * 60 + 5);
  assert.equal(parseDuration('5'), 5);
  assert.equal(parseDuration('1:2:3:4'), undefined);
  assert.equal(parseDuration('abc'), undefined);
});

// ------------------------------------------------------------------------------------------------
// jc fixtures: clean parse, real values, conformance
// ------------------------------------------------------------------------------------------------

interface JcEf {
  uid: string;
  pid: number;
  ppid: number;
  c: number;
  stime: string;
  tty: string | null;
  time: string;
  cmd: string;
}

interface JcAux {
  user: string;
  pid: number;
  cpu_percent: number;
  mem_percent: number;
  vsz: number;
  rss: number;
  tty: string | null;
  stat: string;
  start: string;
  time: string;
  command: string;
}

for (const name of ['jc-centos-7.7-ps-ef', 'jc-ubuntu-18.04-ps-ef']) {
  test(`${name}: clean parse, and every row equals jc's field by field`, () => {
    const result = parseFile(parser, ours(`${name}.out`));
    assertCleanParse(result);
    assert.equal(result.variant, 'ps -ef');
    const jc = JSON.parse(readFileSync(ours(`${name}.json`), 'utf8')) as JcEf[];
    assert.equal(result.records.length, jc.length);
    result.records.forEach((r, i) => {
      const j = jc[i]!;
      const at = `${name} row ${i + 1}`;
      assert.equal(r.kind, 'ps.process', at);
      assert.equal(r.user, j.uid, `${at} uid`);
      assert.equal(r.pid, j.pid, `${at} pid`);
      assert.equal(r.ppid, j.ppid, `${at} ppid`);
      assert.equal(r.cpu_pct, j.c, `${at} c`);
      assert.equal(r.start, j.stime, `${at} stime`);
      assert.equal(r.tty, j.tty ?? undefined, `${at} tty (jc null = absent here)`);
      assert.equal(r.cpu_time_s, jcTimeSeconds(j.time), `${at} time`);
      assert.equal(r.command, j.cmd, `${at} cmd`);
    });
  });
}

test('jc-centos-7.7-ps-axu: clean parse, and every row equals jc\'s field by field (KiB x 1024)', () => {
  const result = parseFile(parser, ours('jc-centos-7.7-ps-axu.out'));
  assertCleanParse(result);
  assert.equal(result.variant, 'ps aux');
  const jc = JSON.parse(readFileSync(ours('jc-centos-7.7-ps-axu.json'), 'utf8')) as JcAux[];
  assert.equal(result.records.length, jc.length);
  result.records.forEach((r, i) => {
    const j = jc[i]!;
    const at = `ps-axu row ${i + 1}`;
    assert.equal(r.user, j.user, `${at} user`);
    assert.equal(r.pid, j.pid, `${at} pid`);
    assert.equal(r.cpu_pct, j.cpu_percent, `${at} cpu_percent`);
    assert.equal(r.mem_pct, j.mem_percent, `${at} mem_percent`);
    assert.equal(r.vsz_bytes, j.vsz * 1024, `${at} vsz`);
    assert.equal(r.rss_bytes, j.rss * 1024, `${at} rss`);
    assert.equal(r.tty, j.tty ?? undefined, `${at} tty`);
    assert.equal(r.stat, j.stat, `${at} stat`);
    assert.equal(r.start, j.start, `${at} start`);
    assert.equal(r.cpu_time_s, jcTimeSeconds(j.time), `${at} time`);
    assert.equal(r.command, j.command, `${at} command`);
  });
});

test('jc-centos-7.7-ps-ef: real values', () => {
  const result = parseFile(parser, ours('jc-centos-7.7-ps-ef.out'));
  const init = row(result, 1);
  assert.equal(init.command, '/usr/lib/systemd/systemd --switched-root --system --deserialize 22');
  assert.equal(init.kernel_thread, false);
  assert.equal(init.cpu_time_s, 3);
  assert.equal(init.start_month, 10);
  assert.equal(init.start_day, 25);
  assert.equal(init.tty, undefined);
  const kworker = row(result, 4);
  assert.equal(kworker.command, '[kworker/0:0H]');
  assert.equal(kworker.kernel_thread, true);
  assert.equal(kworker.ppid, 2);
  const self = row(result, 4800);
  assert.equal(self.command, 'ps -ef');
  assert.equal(self.tty, 'pts/0');
  assert.equal(self.start_time_of_day, '10:25');
  assert.equal(self.start_month, undefined);
  assert.equal(self.source.line, 110);
  assert.deepEqual(self.time, { clock: 'ordinal', sample: 0 });
});

test('jc-ubuntu-18.04-ps-ef: user names cut by procps are flagged', () => {
  const result = parseFile(parser, ours('jc-ubuntu-18.04-ps-ef.out'));
  const cut = result.records.filter((r) => r.user_truncated === true).map((r) => r.user);
  assert.deepEqual([...new Set(cut)].sort(), ['message+', 'systemd+']);
  assert.equal(result.records.filter((r) => r.user === 'systemd+').length, 3);
  assert.equal(row(result, 23932).command, 'ps -ef');
});

test('jc-centos-7.7-ps-axu: real values', () => {
  const result = parseFile(parser, ours('jc-centos-7.7-ps-axu.out'));
  const dockerd = row(result, 1205);
  assert.equal(dockerd.cpu_pct, 0.1);
  assert.equal(dockerd.mem_pct, 0.7);
  assert.equal(dockerd.vsz_bytes, 644304 * 1024);
  assert.equal(dockerd.rss_bytes, 27244 * 1024);
  assert.equal(dockerd.stat, 'Ssl');
  assert.equal(dockerd.cpu_time_s, 86, '1:26 is minutes:seconds');
  assert.ok((dockerd.command as string).startsWith('/usr/bin/dockerd-current --add-runtime docker-runc='));
  assert.ok((dockerd.command as string).endsWith('--storage-driver overlay2'));
  const ps = row(result, 4801);
  assert.equal(ps.stat, 'R+');
  assert.equal(ps.tty, 'pts/0');
  assert.equal(ps.command, 'ps axu');
});

// ------------------------------------------------------------------------------------------------
// perftriage's recorded fixtures
// ------------------------------------------------------------------------------------------------

const APP = 13470;

test('every recorded and hand-made fixture parses cleanly and is sniffed as ps', () => {
  const files = listDir(fixture('ps')).filter((f) => f.endsWith('.txt') || f.endsWith('.out'));
  assert.ok(files.length >= 13);
  for (const f of files) {
    const result = parseFile(parser, ours(f));
    assertCleanParse(result);
    assert.ok(result.records.length > 0, f);
    const s = sniff(readFileSync(ours(f), 'utf8'));
    assert.equal(s?.tool, 'ps', f);
    assert.ok(s!.confidence >= 0.9, `${f}: ${s!.confidence}`);
    assert.equal(s!.variant, result.variant, f);
  }
});

test('recorded -fT and -Lf: thread rows with pid, tid, nlwp', () => {
  const t = parseFile(parser, ours('recorded-ps-fT.txt'));
  assert.equal(t.variant, 'ps -efT');
  assert.deepEqual(t.records.map((r) => [r.kind, r.pid, r.tid]), [['ps.thread', APP, APP], ['ps.thread', APP, 13473], ['ps.thread', APP, 13474]]);
  const l = parseFile(parser, ours('recorded-ps-Lf.txt'));
  assert.equal(l.variant, 'ps -eLf');
  assert.deepEqual(l.records.map((r) => [r.pid, r.tid, r.nlwp, r.ppid]), [[APP, APP, 3, 1], [APP, 13473, 3, 1], [APP, 13474, 3, 1]]);
  for (const r of [...t.records, ...l.records]) assert.equal(r.command, '/usr/bin/python3 workload.py');
});

test('recorded -f and u: zombie and process rows', () => {
  const f = parseFile(parser, ours('recorded-ps-f.txt'));
  const zombie = row(f, 13472);
  assert.equal(zombie.command, '[python3] <defunct>');
  assert.equal(zombie.defunct, true);
  assert.equal(zombie.kernel_thread, false, 'a zombie in brackets is not a kernel thread');
  assert.equal(zombie.ppid, APP);
  assert.equal(row(f, 13493).command, 'sleep 300');
  const u = parseFile(parser, ours('recorded-ps-u.txt'));
  assert.equal(u.variant, 'ps aux');
  const app = row(u, APP);
  assert.equal(app.vsz_bytes, 166904 * 1024);
  assert.equal(app.rss_bytes, 11252 * 1024);
  assert.equal(app.cpu_pct, 0.5);
  assert.equal(app.stat, 'Ssl');
  assert.equal(app.start_time_of_day, '00:19');
  assert.equal(row(u, 13472).stat, 'Z');
});

test('recorded -F and -l: SZ, PSR, numeric UID, WCHAN, state Z', () => {
  const F = parseFile(parser, ours('recorded-ps-F.txt'));
  assert.equal(F.variant, 'ps -eF');
  const app = row(F, APP);
  assert.equal(app.size_pages, 41726);
  assert.equal(app.rss_bytes, 11252 * 1024);
  assert.equal(app.processor, 1);
  const l = parseFile(parser, ours('recorded-ps-l.txt'));
  assert.equal(l.variant, 'ps -el');
  const lapp = row(l, APP);
  assert.equal(lapp.uid, 0);
  assert.equal(lapp.user, undefined);
  assert.equal(lapp.flags, 0);
  assert.equal(lapp.state, 'S');
  assert.equal(lapp.priority, 80);
  assert.equal(lapp.nice, 0);
  assert.equal(lapp.wchan, 'hrtime');
  assert.equal(lapp.command, 'python3');
  const z = row(l, 13472);
  assert.equal(z.state, 'Z');
  assert.equal(z.wchan, undefined, 'WCHAN - is absent');
  assert.equal(z.defunct, true, 'state Z marks a zombie even without <defunct>');
});

test('recorded -o with lstart, etime, etimes, uid and user', () => {
  const result = parseFile(parser, ours('recorded-ps-o-lstart.txt'));
  const app = row(result, APP);
  assert.equal(app.start, 'Fri Nov 27 00:19:08 2026');
  assert.equal(app.start_year, 2026);
  assert.equal(app.start_month, 11);
  assert.equal(app.start_day, 27);
  assert.equal(app.start_time_of_day, '00:19:08');
  assert.equal(app.elapsed_s, 5);
  assert.equal(app.uid, 0);
  assert.equal(app.user, 'root');
  assert.equal(app.pgid, APP);
  assert.equal(app.sid, APP);
  assert.equal(app.priority, 19);
  assert.equal(app.vsz_bytes, 166904 * 1024);
  assert.equal(app.command, '/usr/bin/python3 workload.py');
  assert.equal(row(result, 13493).sid, 4887);
});

test('recorded -o start,bsdstart and args first', () => {
  const start = parseFile(parser, ours('recorded-ps-o-start.txt'));
  assert.equal(row(start, APP).start_time_of_day, '00:19', 'the last start column wins (bsdstart)');
  const first = parseFile(parser, ours('recorded-ps-o-args-first.txt'));
  assert.deepEqual(first.records.map((r) => [r.command, r.pid, r.stat]), [['/usr/bin/python3 workload.p', APP, 'Ssl'], ['[python3] <defunct>', 13472, 'Z']]);
});

test('recorded -L -o comm,args: a thread name with a space stays whole', () => {
  const result = parseFile(parser, ours('recorded-ps-L-o-comm.txt'));
  assert.deepEqual(result.records.map((r) => [r.tid, r.comm, r.wchan, r.command]), [
    [APP, 'python3', 'hrtime', '/usr/bin/python3 workload.py'],
    [13473, 'pt-worker-1', 'futex_', '/usr/bin/python3 workload.py'],
    [13474, 'pt io pool', 'futex_', '/usr/bin/python3 workload.py'],
  ]);
  assert.ok(result.records.every((r) => r.kind === 'ps.thread' && r.nlwp === 3));
});

// ------------------------------------------------------------------------------------------------
// The popularity capture (../shared): app PID and worker TIDs from the ground truth
// ------------------------------------------------------------------------------------------------

interface GroundTruth {
  app: { pid: number; cmdline: string };
  worker_tids: number[];
}

const groundTruth = (): GroundTruth => JSON.parse(readFileSync(popularity('groundtruth/ground-truth.json'), 'utf8')) as GroundTruth;

test('popularity ps-efT.txt (T0): the app and its worker thread', { skip: skipWithoutShared }, () => {
  const gt = groundTruth();
  const result = parseFile(parser, popularity('ps-efT.txt'));
  assertCleanParse(result);
  assert.equal(result.variant, 'ps -efT');
  assert.ok(result.records.every((r) => r.kind === 'ps.thread'));
  const app = result.records.filter((r) => r.pid === gt.app.pid);
  assert.deepEqual(app.map((r) => r.tid), [gt.app.pid, 26265]);
  assert.ok(gt.worker_tids.includes(26265));
  for (const r of app) {
    assert.equal(r.command, gt.app.cmdline);
    assert.equal(r.ppid, 26232);
    assert.equal(r.start_time_of_day, '17:35');
  }
  assert.equal(row(result, gt.app.pid, 26265).cpu_pct, 99);
  assert.equal(row(result, 2).command, '[kthreadd]');
});

test('popularity ps-eLf.txt: NLWP 2 for the app, LWP = worker', { skip: skipWithoutShared }, () => {
  const gt = groundTruth();
  const result = parseFile(parser, popularity('ps-eLf.txt'));
  assertCleanParse(result);
  assert.equal(result.variant, 'ps -eLf');
  const app = result.records.filter((r) => r.pid === gt.app.pid);
  assert.deepEqual(app.map((r) => [r.tid, r.nlwp]), [[gt.app.pid, 2], [26265, 2]]);
  const workers = result.records.filter((r) => gt.worker_tids.includes(r.tid as number)).map((r) => r.tid);
  assert.deepEqual(workers, [26265], 'at T0 only the first worker exists');
});

test('popularity ps-efT-2.txt (~5.5 s later): the first worker has ended, the next has not started', { skip: skipWithoutShared }, () => {
  const gt = groundTruth();
  const result = parseFile(parser, popularity('ps-efT-2.txt'));
  assertCleanParse(result);
  assert.deepEqual(result.records.filter((r) => r.pid === gt.app.pid).map((r) => r.tid), [gt.app.pid]);
  assert.equal(row(result, gt.app.pid).cpu_time_s, 7);
  assert.equal(row(result, 26397).command, 'top -b -H -p 26246 -n 3');
  assert.equal(sniff(readFileSync(popularity('ps-efT-2.txt'), 'utf8'))?.variant, 'ps -efT');
});

// ------------------------------------------------------------------------------------------------
// Detector against other tools' files
// ------------------------------------------------------------------------------------------------

function otherToolFiles(): string[] {
  const out: string[] = [];
  for (const tool of readdirSync(join(sharedDir, 'corpus'))) {
    const dir = join(sharedDir, 'corpus', tool);
    if (tool === 'ps' || !statSync(dir).isDirectory()) continue;
    for (const f of readdirSync(dir)) out.push(join(dir, f));
  }
  for (const f of readdirSync(popularity(''))) {
    if (!f.startsWith('ps-') && statSync(popularity(f)).isFile()) out.push(popularity(f));
  }
  return out;
}

test('the detector claims no other tool\'s corpus file', { skip: skipWithoutShared }, () => {
  const files = otherToolFiles();
  assert.ok(files.length > 50);
  for (const f of files) {
    const s = sniff(readFileSync(f, 'utf8'));
    assert.ok(s === null || s.confidence < 0.5, `${f} sniffed as ps (${s?.confidence})`);
  }
});

test('the detector claims none of the lsof/df fixtures', () => {
  for (const tool of ['lsof', 'df']) {
    for (const f of listDir(fixture(tool))) {
      if (f.endsWith('.json') || f.endsWith('.md')) continue;
      assert.equal(sniff(readFileSync(fixture(tool, f), 'utf8')), null, `${tool}/${f}`);
    }
  }
});

// ------------------------------------------------------------------------------------------------
// Snapshots, malformed input
// ------------------------------------------------------------------------------------------------

test('a repeated header starts a new snapshot (sample)', () => {
  const one = readFileSync(ours('recorded-ps-f.txt'), 'utf8');
  const result = parseText(parser, 'loop.txt', `${one}\n${one}`);
  assertCleanParse(result);
  assert.deepEqual(result.records.map((r) => r.time?.sample), [0, 0, 0, 1, 1, 1]);
});

test('CRLF gives the same records', () => {
  const text = readFileSync(ours('jc-centos-7.7-ps-axu.out'), 'utf8');
  const lf = parseText(parser, 'a', text);
  const crlf = parseText(parser, 'a', text.replace(/\n/g, '\r\n'));
  assertCleanParse(crlf);
  assert.deepEqual(comparable(crlf), comparable(lf));
  assert.ok(crlf.diagnostics.some((d) => d.code === 'crlf'));
});

test('a file cut inside a row loses that row only, with a diagnostic', () => {
  const text = readFileSync(ours('recorded-ps-o-lstart.txt'), 'utf8');
  const cut = text.slice(0, text.indexOf('Fri Nov 27 00:19:14'));
  const result = parseText(parser, 'cut.txt', cut);
  assertCoverageInvariant(result);
  assert.equal(result.records.length, 2);
  assert.equal(result.coverage.unparsed, 1);
  assert.match(result.diagnostics.find((d) => d.code === 'unparsed-line')!.message, /row ends/);
});

test('a row with a bad number is reported, not guessed', () => {
  const result = parseText(parser, 'bad.txt', 'UID PID PPID C STIME TTY TIME CMD\nroot abc 0 0 10:25 ? 00:00:00 init\n');
  assertCoverageInvariant(result);
  assert.equal(result.records.length, 0);
  assert.match(result.diagnostics[0]!.message, /PID "abc" is not a whole number/);
});

test('empty file, binary garbage, no header, another tool\'s file: diagnostics, no exception', () => {
  const empty = parseText(parser, 'empty', '');
  assertCoverageInvariant(empty);
  assert.equal(empty.coverage.lines, 0);

  const garbage = parseText(parser, 'garbage', Buffer.from([0x00, 0xff, 0x13, 0x0a, 0x89, 0x50, 0x4e, 0x47, 0x0a, 0x01]));
  assertCoverageInvariant(garbage);
  assert.equal(garbage.records.length, 0);
  assert.ok(garbage.coverage.unparsed >= 1);

  const noHeader = parseText(parser, 'noheader', 'root 1 0 0 10:25 ? 00:00:00 init\n');
  assertCoverageInvariant(noHeader);
  assert.match(noHeader.diagnostics[0]!.message, /no ps header/);

  const lsof = parseFile(parser, fixture('lsof', 'recorded-lsof-p.txt'));
  assertCoverageInvariant(lsof);
  assert.equal(lsof.records.length, 0);
  assert.equal(lsof.coverage.unparsed, lsof.coverage.lines);
});

test('the fixtures are byte-identical copies of shared/corpus/ps', { skip: skipWithoutShared }, () => {
  for (const f of readdirSync(join(sharedDir, 'corpus', 'ps'))) {
    assert.deepEqual(readFileSync(ours(f)), readFileSync(join(sharedDir, 'corpus', 'ps', f)), f);
  }
  assert.ok(hasShared);
});
