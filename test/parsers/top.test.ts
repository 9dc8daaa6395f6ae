import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TimelineRecord } from '../../src/common/types.js';
import { GIB, KIB, MIB, TIB } from '../../src/common/units.js';
import { parser, parseCpuTime, TOP_FIELDS } from '../../src/parsers/top.js';
import { parseText, type ParseResult } from '../../src/parsers/run.js';
import { detector, TOP_TITLES } from '../../src/sniff/detectors/top.js';
import { SNIFF_LINES } from '../../src/sniff/types.js';
import { validateRecord } from '../../src/timeline/schemas.js';
import {
  assertCleanParse,
  assertCoverageInvariant,
  assertRecordsValid,
  fixture,
  listDir,
  parseFile,
  repoRoot,
  sharedDir,
  skipWithoutShared,
} from '../helpers.js';

// ---------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------

const parse = (content: string | Buffer, file = 'top.txt'): ParseResult => parseText(parser, file, content);
const ofKind = (r: ParseResult, kind: string): TimelineRecord[] => r.records.filter((x) => x.kind === kind);
const summaries = (r: ParseResult): TimelineRecord[] => ofKind(r, 'top.summary');
const tasks = (r: ParseResult): TimelineRecord[] => ofKind(r, 'top.task');
const unparsedLines = (r: ParseResult): number[] => r.diagnostics.filter((d) => d.code === 'unparsed-line').map((d) => d.line!);
const lines = (...l: string[]): string => l.join('\n') + '\n';
const head = (content: string): string[] => content.split('\n').slice(0, SNIFF_LINES).map((l) => l.replace(/\r$/, ''));

const TABLE_HEADER = '    PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND';
const SUMMARY_1 = 'top - 23:59:58 up 10 days,  3:00,  2 users,  load average: 0.50, 0.40, 0.30';
const THREADS_LINE = 'Threads:   2 total,   1 running,   1 sleeping,   0 stopped,   0 zombie';

const JC_FIXTURES = ['jc-centos-7.7-top-b-n3', 'jc-ubuntu-20.10-top-b-n1', 'jc-centos-7.7-top-b-n1-gib', 'jc-centos-7.7-top-b-n1-gib-allfields-w'];

/** Scale of each fixture's summary memory lines (jc keeps the number in that unit) and of its task sizes. */
const UNITS: Record<string, { summary: number; task: number }> = {
  'jc-centos-7.7-top-b-n3': { summary: KIB, task: KIB },
  'jc-ubuntu-20.10-top-b-n1': { summary: MIB, task: KIB },
  'jc-centos-7.7-top-b-n1-gib': { summary: GIB, task: MIB }, // every VIRT/RES/SHR there ends in `m`
  'jc-centos-7.7-top-b-n1-gib-allfields-w': { summary: GIB, task: MIB },
};

// ---------------------------------------------------------------------------------------------------
// jc conformance: every field of jc's JSON compared with ours, each difference a named exception
// ---------------------------------------------------------------------------------------------------

type JcObject = Record<string, unknown>;

/** jc summary key → our field, compared as equal numbers. */
const JC_SUMMARY_SAME: Record<string, string> = {
  users: 'users',
  load_1m: 'load1',
  load_5m: 'load5',
  load_15m: 'load15',
  tasks_total: 'tasks_total',
  tasks_running: 'tasks_running',
  tasks_sleeping: 'tasks_sleeping',
  tasks_stopped: 'tasks_stopped',
  tasks_zombie: 'tasks_zombie',
  cpu_user: 'cpu_us_pct',
  cpu_sys: 'cpu_sy_pct',
  cpu_nice: 'cpu_ni_pct',
  cpu_idle: 'cpu_id_pct',
  cpu_wait: 'cpu_wa_pct',
  cpu_hardware: 'cpu_hi_pct',
  cpu_software: 'cpu_si_pct',
  cpu_steal: 'cpu_st_pct',
};
/** jc summary memory keys: numbers in the line's unit (jc drops `KiB`/`MiB`/`GiB`). */
const JC_SUMMARY_MEM: Record<string, string> = {
  mem_total: 'mem_total_bytes',
  mem_free: 'mem_free_bytes',
  mem_used: 'mem_used_bytes',
  mem_buff_cache: 'mem_buff_cache_bytes',
  swap_total: 'swap_total_bytes',
  swap_free: 'swap_free_bytes',
  swap_used: 'swap_used_bytes',
  mem_available: 'avail_mem_bytes',
};
/** jc process key → our field, equal values (numbers, or text top did not cut). */
const JC_TASK_SAME: Record<string, string> = {
  pid: 'pid',
  nice: 'ni',
  percent_cpu: 'cpu_pct',
  percent_mem: 'mem_pct',
  parent_pid: 'ppid',
  uid: 'uid',
  real_uid: 'ruid',
  saved_uid: 'suid',
  gid: 'gid',
  pgrp: 'pgrp',
  tty: 'tty',
  tty_process_gid: 'tpgid',
  session_id: 'sid',
  thread_count: 'thread_count',
  last_used_processor: 'last_cpu',
  dirty_pages_count: 'dirty_pages',
  flags: 'flags',
  thread_gid: 'tgid',
  major_page_fault_count_delta: 'major_faults_delta',
  minor_page_fault_count_delta: 'minor_faults_delta',
  ipc_namespace_inode: 'ns_ipc',
  mount_namespace_inode: 'ns_mnt',
  net_namespace_inode: 'ns_net',
  pid_namespace_inode: 'ns_pid',
  user_namespace_inode: 'ns_user',
  nts_namespace_inode: 'ns_uts',
};
/** jc text keys: equal, except that jc keeps the `+` top puts on a cut value (exception JC_KEEPS_TRUNCATION_PLUS). */
const JC_TASK_TEXT: Record<string, string> = {
  user: 'user',
  real_user: 'ruser',
  saved_user: 'suser',
  group: 'group',
  command: 'command',
  sleeping_in_function: 'wchan',
  cgroups: 'cgroups',
};
/** jc size keys: the number without its suffix (exception JC_DROPS_SIZE_SUFFIX). */
const JC_TASK_SIZE: Record<string, string> = {
  virtual_mem: 'virt_bytes',
  resident_mem: 'res_bytes',
  shared_mem: 'shr_bytes',
  swap: 'swap_bytes',
  code: 'code_bytes',
  data: 'data_bytes',
  used: 'used_bytes',
};
/** jc count keys: the number without its `k` suffix (exception JC_DROPS_COUNT_SUFFIX). */
const JC_TASK_COUNT: Record<string, string> = {
  major_page_fault_count: 'major_faults',
  minor_page_fault_count: 'minor_faults',
};
const JC_STATUS: Record<string, string> = {
  R: 'running',
  S: 'sleeping',
  D: 'uninterruptible sleep',
  I: 'idle',
  T: 'stopped by job control signal',
  t: 'stopped by debugger during trace',
  Z: 'zombie',
};

/** Our value of a field jc reports as null (`-` in the file): absent. */
function assertAbsentWhenJcNull(jcValue: unknown, ours: unknown, where: string): boolean {
  if (jcValue !== null) return false;
  assert.equal(ours, undefined, `${where}: jc null, ours ${JSON.stringify(ours)}`);
  return true;
}

interface JcExceptions {
  truncationPlus: number;
  countSuffix: string[];
  rtPriority: number;
}

function compareTask(jc: JcObject, ours: TimelineRecord, sizeUnit: number, seen: JcExceptions): void {
  const where = `line ${ours.source.line} (pid ${String(jc.pid)})`;
  const truncated = (ours.truncated_fields as string[] | undefined) ?? [];
  for (const [key, jcValue] of Object.entries(jc)) {
    const at = `${where} ${key}`;
    if (key in JC_TASK_SAME) {
      const field = JC_TASK_SAME[key]!;
      if (!assertAbsentWhenJcNull(jcValue, ours[field], at)) assert.equal(ours[field], jcValue, at);
    } else if (key in JC_TASK_TEXT) {
      const field = JC_TASK_TEXT[key]!;
      if (assertAbsentWhenJcNull(jcValue, ours[field], at)) continue;
      const cut = field === 'command' ? ours.command_truncated === true : truncated.includes(field);
      if (cut) {
        // JC_KEEPS_TRUNCATION_PLUS: jc keeps top's `+`; we store the kept prefix and flag the cut
        assert.equal(`${String(ours[field])}+`, jcValue, at);
        seen.truncationPlus++;
      } else {
        assert.equal(ours[field], jcValue, at);
      }
    } else if (key in JC_TASK_SIZE) {
      const field = JC_TASK_SIZE[key]!;
      // JC_DROPS_SIZE_SUFFIX: jc's number is in the unit of the dropped suffix (plain = KiB)
      if (!assertAbsentWhenJcNull(jcValue, ours[field], at)) assert.equal(ours[field], Math.round((jcValue as number) * sizeUnit), at);
    } else if (key in JC_TASK_COUNT) {
      const field = JC_TASK_COUNT[key]!;
      if (assertAbsentWhenJcNull(jcValue, ours[field], at)) continue;
      if (ours[field] !== jcValue) {
        // JC_DROPS_COUNT_SUFFIX: `13k` is 13 × 1024 faults (top's scale_num), jc says 13
        assert.equal(ours[field], (jcValue as number) * 1024, at);
        seen.countSuffix.push(`${ours.source.line}:${key}`);
      }
    } else if (key === 'priority') {
      if (jcValue === null) {
        // JC_RT_PRIORITY_NULL: jc turns `rt` into null; we say realtime and leave pr absent
        assert.equal(ours.realtime, true, at);
        assert.equal(ours.pr, undefined, at);
        seen.rtPriority++;
      } else {
        assert.equal(ours.pr, jcValue, at);
      }
    } else if (key === 'status') {
      assert.equal(JC_STATUS[ours.state as string], jcValue, at);
    } else if (key === 'time_hundredths') {
      // jc keeps TIME+ as text: `M:SS.hh` read independently here
      const m = /^(\d+):(\d{2})\.(\d{2})$/.exec(jcValue as string);
      assert.ok(m, at);
      assert.equal(ours.cpu_time_s, Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) / 100, at);
    } else if (key === 'time') {
      // TIME_IS_COARSE_TIME_PLUS: TIME (M:SS) is TIME+ without hundredths; we keep TIME+ only
      const secs = ours.cpu_time_s as number;
      assert.equal(jcValue, `${Math.floor(secs / 60)}:${String(Math.floor(secs % 60)).padStart(2, '0')}`, at);
    } else if (key === 'supplementary_gids' || key === 'supplementary_groups' || key === 'environment_variables') {
      // JC_SPLITS_LISTS: jc splits these into lists and drops a cut last item; we keep top's text
      const field = key === 'supplementary_gids' ? 'supgids' : key === 'supplementary_groups' ? 'supgrps' : 'environ';
      if (assertAbsentWhenJcNull(jcValue, ours[field], at)) continue;
      let items = String(ours[field]).split(key === 'environment_variables' ? ' ' : ',');
      if (truncated.includes(field)) items = items.slice(0, -1);
      const expected = key === 'supplementary_gids' ? items.map(Number) : items;
      assert.deepEqual(jcValue, expected, at);
    } else {
      assert.fail(`${at}: jc key not compared (add it to a map or a named exception)`);
    }
  }
}

function compareSummary(jc: JcObject, ours: TimelineRecord, memUnit: number): void {
  const where = `summary line ${ours.source.line}`;
  for (const [key, jcValue] of Object.entries(jc)) {
    const at = `${where} ${key}`;
    if (key === 'processes') continue;
    if (key in JC_SUMMARY_SAME) assert.equal(ours[JC_SUMMARY_SAME[key]!], jcValue, at);
    else if (key in JC_SUMMARY_MEM) assert.equal(ours[JC_SUMMARY_MEM[key]!], Math.round((jcValue as number) * memUnit), at);
    else if (key === 'time') assert.equal((ours.time as { iso: string }).iso, jcValue, at);
    else if (key === 'uptime') {
      // JC_UPTIME_IS_DIGITS: jc keeps the digits of the uptime text (`up  1:18` → 118, `up 2 min` → 2)
      const s = ours.uptime_s as number;
      const hours = Math.floor((s % 86400) / 3600);
      const minutes = Math.floor(s / 60) % 60;
      assert.equal(jcValue, hours > 0 ? hours * 100 + minutes : minutes, at);
    } else assert.fail(`${at}: jc key not compared (add it to a map or a named exception)`);
  }
}

for (const name of JC_FIXTURES) {
  test(`jc conformance: ${name}`, () => {
    const result = parseFile(parser, fixture('top', `${name}.out`));
    assertCleanParse(result);
    const jc = JSON.parse(readFileSync(fixture('top', `${name}.json`), 'utf8')) as JcObject[];
    const ours = summaries(result);
    assert.equal(ours.length, jc.length, 'one summary per jc snapshot');
    const oursTasks = tasks(result);
    const jcTasks = jc.flatMap((s) => s.processes as JcObject[]);
    assert.equal(oursTasks.length, jcTasks.length, 'one task record per jc process');
    const seen: JcExceptions = { truncationPlus: 0, countSuffix: [], rtPriority: 0 };
    jc.forEach((snap, i) => compareSummary(snap, ours[i]!, UNITS[name]!.summary));
    jcTasks.forEach((p, i) => compareTask(p, oursTasks[i]!, UNITS[name]!.task, seen));
    // The exceptions met are exactly the ones the file holds (grep of the .out: `rt` rows, `NNk` counts, and
    // values ending in `+` — 116 in allfields: 83 WCHAN + 30 CGROUPS compared here, 3 ENVIRON in the lists).
    const expected: Record<string, JcExceptions> = {
      'jc-centos-7.7-top-b-n3': { truncationPlus: 0, countSuffix: [], rtPriority: 6 },
      'jc-ubuntu-20.10-top-b-n1': { truncationPlus: 4, countSuffix: [], rtPriority: 4 },
      'jc-centos-7.7-top-b-n1-gib': { truncationPlus: 0, countSuffix: [], rtPriority: 2 },
      'jc-centos-7.7-top-b-n1-gib-allfields-w': { truncationPlus: 113, countSuffix: ['9:minor_page_fault_count', '93:minor_page_fault_count'], rtPriority: 2 },
    };
    assert.deepEqual(seen, expected[name]);
  });
}

// ---------------------------------------------------------------------------------------------------
// Real values of each fixture
// ---------------------------------------------------------------------------------------------------

test('top -b -n3 (procps-ng 3.3.10, KiB): three snapshots, first since boot, real rows', () => {
  const result = parseFile(parser, fixture('top', 'jc-centos-7.7-top-b-n3.out'));
  assertCleanParse(result);
  const s = summaries(result);
  assert.deepEqual(s.map((x) => (x.time as { iso: string }).iso), ['11:24:50', '11:24:53', '11:24:56']);
  assert.deepEqual(s.map((x) => (x.time as { sample: number }).sample), [0, 1, 2]);
  assert.deepEqual(s.map((x) => (x.time as { since_boot?: boolean }).since_boot), [true, undefined, undefined]);
  assert.equal(s[0]!.mem_total_bytes, 3861332 * KIB);
  assert.equal(s[0]!.avail_mem_bytes, 3419356 * KIB);
  assert.equal(s[2]!.load1, 0.21);
  // batch mode prints every task: one row per task counted in the Tasks line
  for (const [i, summary] of s.entries()) {
    assert.equal(tasks(result).filter((t) => (t.time as { sample: number }).sample === i).length, summary.tasks_total);
  }
  const first = tasks(result)[0]!;
  assert.deepEqual(
    { pid: first.pid, user: first.user, virt: first.virt_bytes, res: first.res_bytes, state: first.state, cpu: first.cpu_pct, t: first.cpu_time_s, cmd: first.command },
    { pid: 1935, user: 'kbrazil', virt: 161888 * KIB, res: 2108 * KIB, state: 'R', cpu: 6.2, t: 0.01, cmd: 'top' },
  );
  assert.equal((first.time as { since_boot?: boolean }).since_boot, true);
  const migration = tasks(result).find((t) => t.command === 'migration/0')!;
  assert.equal(migration.realtime, true);
  assert.equal(migration.pr, undefined);
  assert.equal(tasks(result).find((t) => t.command === 'kworker/0:0H')!.ni, -20);
});

test('top -b -n1 on Ubuntu 20.10 (MiB summary, wide %CPU): I states, PR -51, cut user names', () => {
  const result = parseFile(parser, fixture('top', 'jc-ubuntu-20.10-top-b-n1.out'));
  assertCleanParse(result);
  const [s] = summaries(result);
  assert.equal(s!.mem_total_bytes, Math.round(3903.6 * MIB));
  assert.equal(s!.swap_total_bytes, Math.round(3903.0 * MIB));
  assert.equal(s!.uptime_s, 120);
  const t = tasks(result);
  assert.equal(t.length, 245);
  assert.equal(t.filter((x) => x.state === 'I').length, 115);
  assert.equal(t.find((x) => x.pid === 13)!.pr, -51);
  assert.equal(t.find((x) => x.pid === 8)!.command, 'kworker/u256:0-events_freezable_power_');
  const cut = t.filter((x) => (x.truncated_fields as string[] | undefined)?.includes('user'));
  assert.deepEqual(cut.map((x) => x.user), ['systemd', 'systemd', 'systemd', 'message']);
});

test('top -b -n1 in GiB with m-suffixed task sizes', () => {
  const result = parseFile(parser, fixture('top', 'jc-centos-7.7-top-b-n1-gib.out'));
  assertCleanParse(result);
  const [s] = summaries(result);
  assert.equal(s!.uptime_s, 68 * 60); // up  1:08
  assert.equal(s!.mem_total_bytes, Math.round(3.7 * GIB));
  const systemd = tasks(result).find((x) => x.pid === 1)!;
  assert.equal(systemd.virt_bytes, Math.round(125.1 * MIB));
  assert.equal(systemd.res_bytes, Math.round(6.5 * MIB));
  assert.equal(systemd.cpu_time_s, 1.47);
});

test('all fields, -w: 49 columns cut by position, text with spaces, - and truncated values', () => {
  const result = parseFile(parser, fixture('top', 'jc-centos-7.7-top-b-n1-gib-allfields-w.out'));
  assertCleanParse(result);
  const t = tasks(result);
  const top = t.find((x) => x.pid === 2225)!;
  assert.equal(top.command, 'top');
  assert.equal(top.ppid, 1884);
  assert.equal(top.tty, 'pts/0');
  assert.equal(top.environ, 'XDG_SESSION_ID=2 HOSTNAME=localhost S');
  assert.equal(top.cgroups, '1:name=systemd:/user.slice/user-1000.');
  assert.deepEqual(top.truncated_fields, ['cgroups', 'environ']);
  assert.equal(top.supgrps, 'wheel,kbrazil');
  assert.equal(top.ns_uts, 4026531838);
  assert.equal(top.minor_faults_delta, 4);
  assert.equal(top.used_bytes, Math.round(2.2 * MIB));
  assert.equal(top.wchan, undefined); // `-`
  const systemd = t.find((x) => x.pid === 1)!;
  assert.equal(systemd.minor_faults, 13 * 1024); // `13k`
  assert.equal(systemd.wchan, 'ep_poll');
  assert.equal(systemd.ns_ipc, undefined); // `-` printed at the left of a number column
  assert.equal(systemd.environ, undefined);
  assert.equal(systemd.tgid, 1);
  const kworker = t.find((x) => x.pid === 4)!;
  assert.equal(kworker.wchan, 'worker_th');
  assert.deepEqual(kworker.truncated_fields, ['wchan']);
  // TIME beside TIME+ is not stored twice, and no column is left over
  assert.ok(t.every((x) => x.extra === undefined));
});

test('every typed title is a title top prints', () => {
  for (const title of TOP_FIELDS.keys()) assert.ok(TOP_TITLES.has(title), title);
});

// ---------------------------------------------------------------------------------------------------
// The real capture bundle (popularity): the app is python3, pid 26246, worker threads per request
// ---------------------------------------------------------------------------------------------------

const popularity = join(sharedDir, 'captures', 'popularity');
interface GroundTruth {
  app: { pid: number; comm: string };
  worker_tids: number[];
}
const groundTruth = (): GroundTruth => JSON.parse(readFileSync(join(popularity, 'groundtruth', 'ground-truth.json'), 'utf8')) as GroundTruth;

test('popularity top.txt (procps-ng 4.0.2, 20 x 1 s): the app at ~100% CPU in every snapshot', { skip: skipWithoutShared }, () => {
  const gt = groundTruth();
  const result = parseFile(parser, join(popularity, 'top.txt'));
  assertCleanParse(result);
  const s = summaries(result);
  assert.equal(s.length, 20);
  assert.deepEqual(s.map((x) => (x.time as { iso: string }).iso), Array.from({ length: 20 }, (_, i) => `17:35:${String(20 + i)}`));
  assert.deepEqual(s.map((x) => (x.time as { sample: number }).sample), Array.from({ length: 20 }, (_, i) => i));
  assert.equal((s[0]!.time as { since_boot?: boolean }).since_boot, true);
  assert.ok(s.slice(1).every((x) => (x.time as { since_boot?: boolean }).since_boot === undefined));
  assert.equal(s[0]!.users, 0); // `0 user`
  assert.equal(s[0]!.uptime_s, 22 * 60);
  assert.equal(s[0]!.cpu_sy_pct, 100); // `%Cpu(s):  0.0 us,100.0 sy,`
  assert.equal(s[0]!.mem_total_bytes, Math.round(24105.6 * MIB));
  assert.equal(s[1]!.cpu_wa_pct, 0.4);
  for (const [i, summary] of s.entries()) {
    assert.equal(tasks(result).filter((t) => (t.time as { sample: number }).sample === i).length, summary.tasks_total, `snapshot ${i}`);
  }
  const app = tasks(result).filter((t) => t.pid === gt.app.pid);
  assert.equal(app.length, 20);
  assert.ok(app.every((t) => t.command === gt.app.comm && t.user === 'root' && t.state === 'S'));
  assert.deepEqual([app[0]!.cpu_pct, app[0]!.cpu_time_s, app[0]!.res_bytes], [100, 2.51, 36484 * KIB]);
  assert.deepEqual([app[19]!.cpu_pct, app[19]!.cpu_time_s], [101, 19.14]);
  const times = app.map((t) => t.cpu_time_s as number);
  assert.ok(times.every((v, i) => i === 0 || v >= times[i - 1]!), 'TIME+ of the app never decreases');
  const memfd = tasks(result).find((t) => t.pid === 2361)!;
  assert.equal(memfd.command, 'memfd:sea');
  assert.equal(memfd.command_truncated, true);
  assert.deepEqual(tasks(result).filter((t) => t.state === 'D').map((t) => t.command), ['opensnoop', 'filetop-tp']);
});

test('popularity top-H.txt: threads of the app, TIDs instead of PIDs', { skip: skipWithoutShared }, () => {
  const gt = groundTruth();
  const result = parseFile(parser, join(popularity, 'top-H.txt'));
  assertCleanParse(result);
  const s = summaries(result);
  assert.equal(s.length, 3);
  assert.ok(s.every((x) => x.threads_mode === true && x.tasks_total === 2));
  assert.deepEqual(s.map((x) => (x.time as { iso: string }).iso), ['17:35:21', '17:35:24', '17:35:27']);
  const t = tasks(result);
  assert.equal(t.length, 6);
  assert.ok(t.every((x) => x.is_thread === true && x.pid === undefined && x.command === gt.app.comm));
  const known = new Set([gt.app.pid, ...gt.worker_tids]);
  assert.ok(t.every((x) => known.has(x.tid as number)), 'every TID is the main thread or a worker');
  const bySample = [0, 1, 2].map((i) => t.filter((x) => (x.time as { sample: number }).sample === i).map((x) => x.tid));
  assert.deepEqual(bySample, [[26265, 26246], [26246, 26265], [26246, 26415]]);
  const worker = t.find((x) => x.tid === 26265)!;
  assert.deepEqual([worker.state, worker.cpu_pct, worker.cpu_time_s], ['R', 99.9, 2.77]);
});

test('seed-case sample (per-CPU lines instead of %Cpu(s))', () => {
  const result = parseFile(parser, join(repoRoot, 'samples', 'seed-case', 'top.txt'));
  assertCleanParse(result);
  const cpus = ofKind(result, 'top.cpu');
  assert.equal(cpus.length, 4);
  assert.deepEqual(cpus.map((c) => [c.cpu, c.cpu_wa_pct]), [[0, 94.4], [1, 26.5], [0, 93.9], [1, 27.4]]);
  assert.equal(summaries(result)[0]!.cpu_wa_pct, undefined);
  assert.equal(tasks(result).find((t) => t.pid === 12280)!.command, 'python');
});

// ---------------------------------------------------------------------------------------------------
// Variants from procps sources (notes/formats.md §3), written here
// ---------------------------------------------------------------------------------------------------

test('procps-ng >= 4.0.5 Tasks line (sleep, d-sleep), ? users, uptime with days', () => {
  const r = parse(lines(
    'top - 09:15:02 up 3 days,  2:03,  ? users,  load average: 1.25, 0.80, 0.40',
    'Tasks: 231 total, 2 running, 228 sleep, 1 d-sleep, 0 stopped, 0 zombie',
    '%Cpu(s): 12.5 us,  3.1 sy,  0.0 ni, 80.2 id,  4.0 wa,  0.0 hi,  0.2 si,  0.0 st',
  ));
  assertCleanParse(r);
  const [s] = summaries(r);
  assert.equal(s!.uptime_s, 3 * 86400 + 2 * 3600 + 3 * 60);
  assert.equal(s!.users, undefined);
  assert.deepEqual([s!.tasks_total, s!.tasks_running, s!.tasks_sleeping, s!.tasks_dsleep, s!.tasks_stopped, s!.tasks_zombie], [231, 2, 228, 1, 0, 0]);
  assert.equal(s!.cpu_wa_pct, 4);
});

test('uptime forms: 1 day + minutes, hours only, minutes only', () => {
  const uptime = (l: string): unknown => summaries(parse(lines(l)))[0]?.uptime_s;
  assert.equal(uptime('top - 00:00:01 up 1 day, 5 min,  1 user,  load average: 0.00, 0.00, 0.00'), 86400 + 300);
  assert.equal(uptime('top - 00:00:01 up 12:34,  3 users,  load average: 0.00, 0.00, 0.00'), 12 * 3600 + 34 * 60);
  assert.equal(uptime('top - 00:00:01 up 0 min,  1 user,  load average: 0.00, 0.00, 0.00'), 0);
  const bad = parse(lines(
    SUMMARY_1,
    '',
    TABLE_HEADER,
    '      1 root      20   0  159872   9164   6712 S   0.0   0.1   0:04.51 systemd',
    'top - 00:00:01 up forever,  1 user,  load average: 0.00, 0.00, 0.00',
    TABLE_HEADER,
    '      1 root      20   0  159872   9164   6712 S   0.0   0.1   0:04.52 systemd',
  ));
  assert.deepEqual(unparsedLines(bad), [5]);
  // the unreadable line still starts a snapshot: its rows do not join the previous one
  assert.deepEqual(tasks(bad).map((t) => t.time), [
    { clock: 'time-of-day', iso: '23:59:58', sample: 0, since_boot: true },
    { clock: 'time-of-day', iso: '00:00:01', sample: 1 },
  ]);
});

test('decimal commas (non-C LC_NUMERIC) in loads, CPU and memory', () => {
  const r = parse(lines(
    'top - 09:15:02 up 22 min,  1 user,  load average: 0,16, 0,31, 0,19',
    '%Cpu(s):  5,9 us,  5,9 sy,  0,0 ni, 88,2 id,  0,0 wa,  0,0 hi,  0,0 si,  0,0 st',
    'MiB Mem :  24105,6 total,  23320,2 free,    379,8 used,    654,0 buff/cache',
  ));
  assertCleanParse(r);
  const [s] = summaries(r);
  assert.deepEqual([s!.load1, s!.load5, s!.load15, s!.cpu_id_pct], [0.16, 0.31, 0.19, 88.2]);
  assert.equal(s!.mem_total_bytes, Math.round(24105.6 * MIB));
});

test('procps 3.2 summary (Cpu(s) with %us, Mem with k) and task table', () => {
  const r = parse(lines(
    'top - 10:46:43 up 5 days, 19:20,  1 user,  load average: 0.00, 0.00, 0.00',
    'Tasks:  89 total,   1 running,  88 sleeping,   0 stopped,   0 zombie',
    'Cpu(s):  0.3%us,  0.2%sy,  0.0%ni, 99.4%id,  0.1%wa,  0.0%hi,  0.0%si,  0.0%st',
    'Mem:   3922944k total,  3789724k used,   133220k free,   206532k buffers',
    'Swap:  2097144k total,      240k used,  2096904k free,  3065300k cached',
    '',
    '  PID USER      PR  NI  VIRT  RES  SHR S %CPU %MEM    TIME+  COMMAND',
    ' 2943 mysql     15   0  365m  45m 4880 S  0.3  1.2  29:40.74 mysqld',
    '    1 root      15   0 10368  680  576 S  0.0  0.0   0:01.56 init',
  ));
  assertCleanParse(r);
  const [s] = summaries(r);
  assert.equal(s!.uptime_s, 5 * 86400 + 19 * 3600 + 20 * 60);
  assert.deepEqual([s!.cpu_us_pct, s!.cpu_id_pct, s!.cpu_st_pct], [0.3, 99.4, 0]);
  assert.deepEqual([s!.mem_total_bytes, s!.mem_used_bytes, s!.mem_buffers_bytes], [3922944 * KIB, 3789724 * KIB, 206532 * KIB]);
  assert.deepEqual([s!.swap_used_bytes, s!.mem_cached_bytes], [240 * KIB, 3065300 * KIB]);
  const [mysqld, init] = tasks(r);
  assert.deepEqual([mysqld!.virt_bytes, mysqld!.res_bytes, mysqld!.shr_bytes, mysqld!.cpu_time_s], [365 * MIB, 45 * MIB, 4880 * KIB, 29 * 60 + 40.74]);
  assert.equal(init!.command, 'init');
});

test('procps-ng 3.3.0-3.3.9 memory lines (used before free, buffers, cached Mem)', () => {
  const r = parse(lines(
    'top - 10:46:43 up 19:20,  1 user,  load average: 0.00, 0.00, 0.00',
    'KiB Mem:   3922944 total,  3789724 used,   133220 free,   206532 buffers',
    'KiB Swap:  2097144 total,      240 used,  2096904 free.  3065300 cached Mem',
  ));
  assertCleanParse(r);
  const [s] = summaries(r);
  assert.deepEqual([s!.mem_used_bytes, s!.mem_free_bytes, s!.swap_free_bytes, s!.mem_cached_bytes], [3789724 * KIB, 133220 * KIB, 2096904 * KIB, 3065300 * KIB]);
});

test('memory scales TiB, PiB, EiB and values top cut with +', () => {
  const mem = (l: string): TimelineRecord => summaries(parse(lines('top - 10:46:43 up 19:20,  1 user,  load average: 0.00, 0.00, 0.00', l)))[0]!;
  assert.equal(mem('TiB Mem :      1.5 total,      0.5 free,      0.9 used,      0.1 buff/cache').mem_total_bytes, Math.round(1.5 * TIB));
  assert.equal(mem('PiB Mem :      0.1 total,      0.0 free,      0.0 used,      0.0 buff/cache').mem_total_bytes, Math.round(0.1 * TIB * 1024));
  assert.equal(mem('EiB Swap:      0.0 total,      0.0 free,      0.0 used.      0.0 avail Mem').swap_total_bytes, 0);
  const cut = mem('KiB Mem : 26372745+total, 25836323+free,  2563152 used,  2797064 buff/cache');
  assert.equal(cut.mem_total_bytes, undefined);
  assert.equal(cut.mem_used_bytes, 2563152 * KIB);
  assert.deepEqual(cut.truncated_fields, ['mem_total_bytes', 'mem_free_bytes']);
});

test('per-CPU lines: several per line, ranges, NUMA nodes; graph mode is reported', () => {
  const r = parse(lines(
    'top - 10:46:43 up 19:20,  1 user,  load average: 0.00, 0.00, 0.00',
    '%Cpu0  :  1.0 us,  2.0 sy,  0.0 ni, 97.0 id,  0.0 wa,  0.0 hi,  0.0 si,  0.0 st %Cpu1  :  3.0 us,  1.0 sy,  0.0 ni, 96.0 id,  0.0 wa,  0.0 hi,  0.0 si,  0.0 st',
    '%Cpu2-3 :  5.0 us,  5.0 sy,  0.0 ni, 90.0 id,  0.0 wa,  0.0 hi,  0.0 si,  0.0 st',
    '%Node0 :  2.0 us,  1.5 sy,  0.0 ni, 96.5 id,  0.0 wa,  0.0 hi,  0.0 si,  0.0 st',
    '%Cpu(s):  20.1/5.3    25[|||||||||||||||||||||||                                                     ]',
    'MiB Mem :  2.5/7859.5  [|||                                                                        ]',
  ));
  const cpus = ofKind(r, 'top.cpu');
  assert.deepEqual(cpus.map((c) => [c.cpu, c.cpu_first, c.cpu_last, c.node, c.cpu_us_pct]), [
    [0, undefined, undefined, undefined, 1],
    [1, undefined, undefined, undefined, 3],
    [undefined, 2, 3, undefined, 5],
    [undefined, undefined, undefined, 0, 2],
  ]);
  assert.deepEqual(unparsedLines(r), [5, 6]);
  assert.match(r.diagnostics.find((d) => d.line === 5)!.message, /graph mode/);
  assertCoverageInvariant(r);
  assertRecordsValid(r);
});

test('task table: suffixes, rt and negative PR, every state, TIME+ forms, commands with spaces, blanks', () => {
  const r = parse(lines(
    SUMMARY_1,
    '',
    TABLE_HEADER,
    '   4242 postgres  20   0   12.5g   2.1g   1.9g D  45.0  13.4  12345:06 postgres: checkpointer',
    '     12 root      rt   0       0      0      0 S   0.0   0.0   0:00.12 migration/0',
    '     13 root     -51   0       0      0      0 S   0.0   0.0   0:00.00 idle_inject/0',
    '    900 nobody    39  19    1.2t  10240   2048 T   0.0   0.0      1,05 stopped_job',
    '    901 root      20   0    2048    512    256 t   0.0   0.0        3h gdb-target',
    '    902 root      20   0       0      0      0 Z   0.0   0.0   0:00.00 defunct-child',
    '    903 root       0 -20       0      0      0 I   0.0   0.0   0:00.00 kworker/0:0H-events_highpri',
    '    904 root      20   0       ?      0      0 R 100.0   0.0     2d+5h g++',
    '      2 root      20                           S                       kthreadd',
  ));
  assertCleanParse(r);
  const byPid = new Map(tasks(r).map((t) => [t.pid, t]));
  const pg = byPid.get(4242)!;
  assert.deepEqual([pg.virt_bytes, pg.res_bytes, pg.shr_bytes, pg.state, pg.cpu_time_s, pg.command], [Math.round(12.5 * GIB), Math.round(2.1 * GIB), Math.round(1.9 * GIB), 'D', 12345 * 60 + 6, 'postgres: checkpointer']);
  assert.deepEqual([byPid.get(12)!.realtime, byPid.get(12)!.pr], [true, undefined]);
  assert.equal(byPid.get(13)!.pr, -51);
  assert.deepEqual([byPid.get(900)!.virt_bytes, byPid.get(900)!.ni, byPid.get(900)!.cpu_time_s, byPid.get(900)!.state], [Math.round(1.2 * TIB), 19, 3900, 'T']);
  assert.deepEqual([byPid.get(901)!.cpu_time_s, byPid.get(901)!.state], [3 * 3600, 't']);
  assert.equal(byPid.get(902)!.state, 'Z');
  assert.deepEqual([byPid.get(903)!.state, byPid.get(903)!.ni, byPid.get(903)!.command], ['I', -20, 'kworker/0:0H-events_highpri']);
  const gxx = byPid.get(904)!;
  assert.deepEqual([gxx.virt_bytes, gxx.cpu_pct, gxx.cpu_time_s, gxx.command, gxx.command_truncated], [undefined, 100, 2 * 86400 + 5 * 3600, 'g++', undefined]);
  // top's zero suppression ('0' toggle) leaves zeros blank
  const kthreadd = byPid.get(2)!;
  assert.deepEqual([kthreadd.ni, kthreadd.virt_bytes, kthreadd.cpu_pct, kthreadd.cpu_time_s, kthreadd.state, kthreadd.command], [0, 0, 0, 0, 'S', 'kthreadd']);
});

test('custom fields: command line with spaces in the middle of the table, cut WCHAN, hanging dash', () => {
  const r = parse(lines(
    SUMMARY_1,
    '',
    '    PID USER     COMMAND                                     PPID nTH WCHAN       %CPU',
    '   1234 www-data /usr/bin/python3 /srv/app.py --workers 4       1  12 do_epoll_+   3.0',
    '     77 root     /sbin/agetty -o -p -- \\u --noclear - li+       1   1 -            0.0',
  ));
  assertCleanParse(r);
  const [app, getty] = tasks(r);
  assert.deepEqual(
    [app!.user, app!.command, app!.ppid, app!.thread_count, app!.wchan, app!.truncated_fields, app!.cpu_pct],
    ['www-data', '/usr/bin/python3 /srv/app.py --workers 4', 1, 12, 'do_epoll_', ['wchan'], 3],
  );
  assert.deepEqual([getty!.command, getty!.command_truncated, getty!.wchan, getty!.cpu_pct], ['/sbin/agetty -o -p -- \\u --noclear - li', true, undefined, 0]);
});

test('-H: Threads line makes rows threads; a TGID column gives the process id', () => {
  const r = parse(lines(
    SUMMARY_1,
    THREADS_LINE,
    '',
    '    PID    TGID USER     S  %CPU     TIME+ COMMAND',
    '  26265   26246 root     R  99.9   0:02.77 python3',
    '  26246   26246 root     S   0.0   0:00.14 python3',
  ));
  assertCleanParse(r);
  assert.equal(summaries(r)[0]!.threads_mode, true);
  assert.deepEqual(tasks(r).map((t) => [t.tid, t.pid, t.is_thread]), [[26265, 26246, true], [26246, 26246, true]]);
});

test('midnight: time of day goes back, sample keeps counting, an info diagnostic says so', () => {
  const r = parse(lines(
    SUMMARY_1,
    '',
    TABLE_HEADER,
    '      1 root      20   0  159872   9164   6712 S   0.0   0.1   0:04.51 systemd',
    '',
    'top - 00:00:01 up 10 days,  3:00,  2 users,  load average: 0.50, 0.40, 0.30',
    '',
    TABLE_HEADER,
    '      1 root      20   0  159872   9164   6712 S   0.0   0.1   0:04.52 systemd',
  ));
  assertCleanParse(r);
  assert.deepEqual(tasks(r).map((t) => [(t.time as { iso: string }).iso, (t.time as { sample: number }).sample, t.cpu_time_s]), [['23:59:58', 0, 4.51], ['00:00:01', 1, 4.52]]);
  const info = r.diagnostics.find((d) => d.code === 'time-of-day-wrapped');
  assert.equal(info?.line, 6);
  assert.equal(info?.severity, 'info');
});

test('a file cut at its start: rows before any header are unparsed, the next snapshot is not since boot', () => {
  const r = parse(lines(
    '      1 root      20   0  159872   9164   6712 S   0.0   0.1   0:04.51 systemd',
    TABLE_HEADER,
    '      2 root      20   0       0      0      0 S   0.0   0.0   0:00.00 kthreadd',
    '',
    SUMMARY_1,
    '',
    TABLE_HEADER,
    '      1 root      20   0  159872   9164   6712 S   0.0   0.1   0:04.52 systemd',
  ));
  assert.deepEqual(unparsedLines(r), [1]);
  assert.deepEqual(tasks(r).map((t) => t.time), [{ clock: 'ordinal', sample: 0 }, { clock: 'time-of-day', iso: '23:59:58', sample: 1 }]);
  assertCoverageInvariant(r);
  assertRecordsValid(r);
});

test('parseCpuTime reads every form top prints', () => {
  assert.equal(parseCpuTime('0:00.12'), 0.12);
  assert.equal(parseCpuTime('1234:56.78'), 1234 * 60 + 56.78);
  assert.equal(parseCpuTime('12345:06'), 12345 * 60 + 6);
  assert.equal(parseCpuTime('5,07'), 5 * 3600 + 7 * 60);
  assert.equal(parseCpuTime('123h'), 123 * 3600);
  assert.equal(parseCpuTime('4d+5h'), 4 * 86400 + 5 * 3600);
  assert.equal(parseCpuTime('4D+5H'), 4 * 86400 + 5 * 3600);
  assert.equal(parseCpuTime('4d+5'), 4 * 86400 + 5 * 3600);
  assert.equal(parseCpuTime('9d'), 9 * 86400);
  assert.equal(parseCpuTime('2w+3d'), 2 * 604800 + 3 * 86400);
  assert.equal(parseCpuTime('2w'), 2 * 604800);
  assert.equal(parseCpuTime('0:60:00'), undefined);
  assert.equal(parseCpuTime('abc'), undefined);
});

test('parseCpuTime: the char-code path for M:SS.hh gives what the regex gives, and leaves the rest to it', () => {
  const regex = (t: string): number | undefined => {
    const m = /^(\d+):(\d{2})\.(\d{2})$/.exec(t);
    return m ? Math.round((Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) / 100) * 100) / 100 : undefined;
  };
  for (const t of ['0:00.00', '0:00.01', '9:59.99', '17:35.07', '1234:56.78', '999999999999999:59.99']) assert.equal(parseCpuTime(t), regex(t), t);
  // More than 15 minute digits: not the fast path, the regex still reads it.
  assert.equal(parseCpuTime('1234567890123456:00.00'), 1234567890123456 * 60);
  for (const t of [':00.00', '1:0.00', '1:00.0', '1:00,00', '1:0a.00', '-1:00.00', '1:00.0x', '+1:00.00']) assert.equal(parseCpuTime(t), undefined, t);
});

test('the schema catches a typo and a wrong type', () => {
  const good: TimelineRecord = { kind: 'top.task', source: { file: 'f', line: 1 }, pid: 1, cpu_pct: 1.5, state: 'S' };
  const typo: TimelineRecord = { ...good, cpu_pc: 1 };
  const wrongState: TimelineRecord = { ...good, state: 'sleeping' };
  const stringSize: TimelineRecord = { kind: 'top.summary', source: { file: 'f', line: 1 }, threads_mode: false, mem_total_bytes: '1' };
  assert.ok(validateRecord(good).valid);
  assert.equal(validateRecord(typo).valid, false);
  assert.equal(validateRecord(wrongState).valid, false);
  assert.equal(validateRecord(stringSize).valid, false);
});

// ---------------------------------------------------------------------------------------------------
// Malformed input
// ---------------------------------------------------------------------------------------------------

test('a file cut mid-row: the cut row is a diagnostic, every row before it a record', () => {
  const content = readFileSync(fixture('top', 'jc-centos-7.7-top-b-n3.out'), 'utf8');
  const cutAt = content.indexOf('  1935 kbrazil') + '  1935 kbrazil   20   0  1618'.length;
  const r = parse(content.slice(0, cutAt));
  assertCoverageInvariant(r);
  assert.equal(r.coverage.unparsed, 1);
  assert.match(r.diagnostics.find((d) => d.code === 'unparsed-line')!.message, /ends before its COMMAND column/);
  assert.equal(summaries(r).length, 1);
  assert.equal(tasks(r).length, 0);
});

test('CRLF copy gives the same records', () => {
  const content = readFileSync(fixture('top', 'jc-ubuntu-20.10-top-b-n1.out'), 'utf8');
  const lf = parse(content);
  const crlf = parse(content.replace(/\n/g, '\r\n'));
  assertCleanParse(crlf);
  assert.deepEqual(crlf.records, lf.records);
  assert.ok(crlf.diagnostics.some((d) => d.code === 'crlf'));
});

test('binary garbage, an empty file and other tools\' output: diagnostics, no exception', () => {
  const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256));
  const g = parse(garbage, 'garbage.bin');
  assertCoverageInvariant(g);
  assert.equal(g.records.length, 0);
  assert.ok(g.coverage.unparsed > 0);
  const empty = parse('', 'empty.txt');
  assert.deepEqual(empty.coverage, { lines: 0, data: 0, skipped: 0, unparsed: 0 });
  const ps = parse(lines('USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND', 'root           1  0.0  0.1 167740 13080 ?        Ss   09:01   0:04 /sbin/init'));
  assertCoverageInvariant(ps);
  assert.equal(ps.records.length, 0);
  assert.equal(ps.coverage.unparsed, 2);
  const free = parse(lines('               total        used        free      shared  buff/cache   available', 'Mem:        24684132      466292    23765120         812      717380    24217840'));
  assertCoverageInvariant(free);
  assert.equal(free.coverage.unparsed, 2);
});

test('other tools\' corpus files fed to the top parser', { skip: skipWithoutShared }, () => {
  const corpus = join(sharedDir, 'corpus');
  for (const tool of readdirSync(corpus)) {
    if (tool === 'top' || tool.endsWith('.md')) continue;
    for (const f of listDir(join(corpus, tool))) {
      const r = parseFile(parser, join(corpus, tool, f));
      assertCoverageInvariant(r);
      assert.equal(tasks(r).length, 0, `${tool}/${f} gave top tasks`);
    }
  }
});

// ---------------------------------------------------------------------------------------------------
// Detector
// ---------------------------------------------------------------------------------------------------

test('detector: every top file is top, with its variant', () => {
  const variants: Record<string, string> = {};
  for (const name of JC_FIXTURES) {
    const res = detector.detect(head(readFileSync(fixture('top', `${name}.out`), 'utf8')));
    assert.equal(res?.tool, 'top', name);
    assert.ok(res.confidence >= 0.9, name);
    variants[name] = res.variant;
  }
  assert.equal(variants['jc-centos-7.7-top-b-n3'], 'top -b, procps-ng >= 3.3.10, KiB');
  assert.equal(variants['jc-ubuntu-20.10-top-b-n1'], 'top -b, procps-ng >= 3.3.10, MiB');
  assert.equal(variants['jc-centos-7.7-top-b-n1-gib-allfields-w'], 'top -b, procps-ng >= 3.3.10, GiB, custom fields (49 columns), wide lines (-w)');
  const seed = detector.detect(head(readFileSync(join(repoRoot, 'samples', 'seed-case', 'top.txt'), 'utf8')));
  assert.equal(seed?.variant, 'top -b, procps-ng >= 3.3.10, KiB, per-CPU lines');
  // a capture cut before its summary still sniffs from the header
  const cut = detector.detect([TABLE_HEADER, '      1 root      20   0  159872   9164   6712 S   0.0   0.1   0:04.51 systemd']);
  assert.deepEqual([cut?.tool, cut?.confidence], ['top', 0.85]);
  assert.equal(detector.detect(['top - 10:46:43 up 5 days, 19:20,  1 user,  load average: 0.00, 0.00, 0.00', 'Cpu(s):  0.3%us,  0.2%sy,  0.0%ni, 99.4%id,  0.1%wa,  0.0%hi,  0.0%si,  0.0%st'])?.variant, 'top -b, procps 3.2');
  assert.equal(detector.detect(['top - 10:46:43 up 19:20,  1 user,  load average: 0.00, 0.00, 0.00', 'KiB Mem:   3922944 total,  3789724 used,   133220 free,   206532 buffers'])?.variant, 'top -b, procps-ng 3.3.0-3.3.9, KiB');
  assert.equal(detector.detect(['Tasks: 231 total, 2 running, 228 sleep, 1 d-sleep, 0 stopped, 0 zombie', 'MiB Mem :  24105.6 total,  23320.2 free,    379.8 used,    654.0 buff/cache'])?.variant, 'top -b, procps-ng >= 4.0.5, MiB');
});

test('detector: popularity top.txt and top-H.txt', { skip: skipWithoutShared }, () => {
  const t = detector.detect(head(readFileSync(join(popularity, 'top.txt'), 'utf8')));
  assert.deepEqual([t?.tool, t?.variant, t?.confidence], ['top', 'top -b, procps-ng >= 3.3.10, MiB', 0.98]);
  const h = detector.detect(head(readFileSync(join(popularity, 'top-H.txt'), 'utf8')));
  assert.deepEqual([h?.tool, h?.variant], ['top', 'top -b -H, procps-ng >= 3.3.10, MiB']);
});

test('detector: no other tool\'s file is taken for top', { skip: skipWithoutShared }, () => {
  const corpus = join(sharedDir, 'corpus');
  for (const tool of readdirSync(corpus)) {
    if (tool === 'top' || tool.endsWith('.md')) continue;
    for (const f of listDir(join(corpus, tool))) {
      const res = detector.detect(head(readFileSync(join(corpus, tool, f), 'utf8')));
      assert.ok(res === null || res.confidence < 0.5, `${tool}/${f} sniffed as top (${res?.confidence})`);
    }
  }
  for (const f of listDir(popularity, '.txt')) {
    if (f.startsWith('top')) continue;
    assert.equal(detector.detect(head(readFileSync(join(popularity, f), 'utf8'))), null, f);
  }
});

test('detector: ps, free and pidstat text are not top', () => {
  assert.equal(detector.detect(['USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND', 'root           1  0.0  0.1 167740 13080 ?        Ss   09:01   0:04 /sbin/init']), null);
  assert.equal(detector.detect(['               total        used        free      shared  buff/cache   available', 'Mem:        24684132      466292    23765120         812      717380    24217840', 'Swap:              0           0           0']), null);
  assert.equal(detector.detect(['05:35:21 PM   UID       PID    %usr %system  %guest   %wait    %CPU   CPU  Command']), null);
});

test('task rows: each unreadable column is named in its diagnostic, and the rows around it still parse', () => {
  const r = parse(
    lines(
      SUMMARY_1,
      '',
      TABLE_HEADER,
      '      1 root      20   0  168340  11800   8436 S   0.0   0.1   0:02.17 systemd',
      '      2 root      20   0  168340  11800   8436 S   x.y   0.1   0:02.17 bad-cpu',
      '      3 root      20   0  168340  11800   8436 S   0.0   0.1   zz:q    bad-time',
      '      4 root      20   0  168340  11800   8436 9   0.0   0.1   0:02.17 bad-state',
      '      5 root      rt   0       -  11800   8436 S   0.0   0.1   0:02.17 rt-and-dash',
    ),
  );
  const messages = r.diagnostics.filter((d) => d.code === 'unparsed-line').map((d) => [d.line, d.message]);
  assert.deepEqual(messages, [
    [5, 'column %CPU: cannot read "x.y" as a number'],
    [6, 'column TIME+: cannot read "zz:q" as a CPU time'],
    [7, 'column S: expected a one-letter state, got "9"'],
  ]);
  const byPid = new Map(tasks(r).map((t) => [t.pid, t]));
  assert.deepEqual([...byPid.keys()], [1, 5]);
  // `rt`: realtime and no pr; `-` (not available): absent, not 0.
  assert.deepEqual([byPid.get(5)!.realtime, byPid.get(5)!.pr, 'virt_bytes' in byPid.get(5)!], [true, undefined, false]);
});

test('a column perftriage does not type goes to extra; a title top does not print refuses the header', () => {
  const header = '    PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ ELAPSED COMMAND';
  const r = parse(lines(SUMMARY_1, '', header, '      1 root      20   0  168340  11800   8436 S   0.0   0.1   0:02.17   12:01 systemd'));
  assert.deepEqual(tasks(r).map((t) => [t.extra, t.command, t.cpu_time_s]), [[{ ELAPSED: '12:01' }, 'systemd', 2.17]]);
  // Titles come from top's own list (TOP_TITLES): a word outside it is not a header, so header text
  // never reaches the compiled row builder except as one of those titles.
  const odd = parse(lines(SUMMARY_1, '', header.replace('ELAPSED', 'X"${a}'), '      1 root      20   0  168340  11800   8436 S   0.0   0.1   0:02.17   12:01 systemd'));
  assert.deepEqual(tasks(odd), []);
  assert.equal(unparsedLines(odd).length, 2);
});
