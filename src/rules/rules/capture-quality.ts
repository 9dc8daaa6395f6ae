/**
 * capture-quality: what this bundle cannot show, and the command that would have shown it. Not a problem
 * of the system under study: a problem of the capture, so a note. One finding per problem and file (or
 * tool), each with the lines that show it and the exact command to collect it right next time:
 *
 * - `no-thread-mapping`: filetop (or opensnoop -t) names threads that no tool maps to a process.
 * - `since-boot-only`: iostat/vmstat/pidstat/mpstat/top printed only their first report (since boot).
 * - `no-timestamps`: iostat/vmstat without -t, opensnoop without -T, strace without -t/-tt/-ttt.
 * - `strace-no-follow`: strace attached with -p but without -f: one thread of the process.
 * - `clock-date-disagree`, `no-date`, `clock-zone-unknown`: the files cannot be put on one clock.
 * - `unreadable-lines`: lines the parser could not read, a file cut short, a read error.
 * - `events-lost`: a tracer said it dropped events.
 * - `analysis-truncated`: a file held more records than analysis keeps in memory; the rest was not analysed.
 * - `tool-failed`: an empty output, a file with no data, strace's own error messages.
 * - `unrecognized-files`: files no parser recognizes (their content is not analysed at all).
 */
import type { Diagnostic, SourceRef, TimelineRecord } from '../../common/types.js';
import type { FileSummary } from '../../timeline/build.js';
import { num, presentSamples, str } from '../../model/series.js';
import type { FindingDraft, RuleContext, RuleModule } from '../types.js';
import { list } from '../format.js';

export const PROBLEM_KINDS = [
  'no-thread-mapping',
  'since-boot-only',
  'no-timestamps',
  'strace-no-follow',
  'clock-date-disagree',
  'no-date',
  'clock-zone-unknown',
  'unreadable-lines',
  'events-lost',
  'analysis-truncated',
  'tool-failed',
  'file-truncated',
  'unrecognized-files',
] as const;
export type ProblemKind = (typeof PROBLEM_KINDS)[number];

export interface CaptureQualityOptions {
  /** A thread without a process counts only when filetop shows at least this many bytes for it. */
  min_thread_io_bytes: number;
  /** Files not to report as unrecognized: globs (`*` and `?`) on the path, or on the base name when they hold no `/`. */
  ignore_unrecognized: string[];
  /** Problem kinds not to report. */
  ignore_problems: ProblemKind[];
}

const defaults: CaptureQualityOptions = { min_thread_io_bytes: 1024 * 1024, ignore_unrecognized: ['*.md', 'README*', 'LICENSE*', 'manifest.json'], ignore_problems: [] };

interface Problem {
  kind: ProblemKind;
  /** The file or tool the problem is about: with the kind, the finding's identity. */
  subject: string;
  title: string;
  message: string;
  evidence: SourceRef[];
  recommendation: string;
  collect: string[];
  entities?: FindingDraft['entities'];
}

/** Per file: what its records say about time. Built in one pass over the timeline. */
interface FileTimes {
  records: number;
  sinceBoot: number;
  intervalSamples: number;
  untimed: number;
  utc: number;
  local: number;
  first?: TimelineRecord;
  firstSinceBoot?: TimelineRecord;
  firstUntimed?: TimelineRecord;
}

const SAMPLING_TOOLS = new Set(['iostat', 'vmstat', 'pidstat', 'mpstat', 'top']);

function fileTimes(ctx: RuleContext): Map<string, FileTimes> {
  const out = new Map<string, FileTimes>();
  for (const r of ctx.timeline.records) {
    // host.* (sysstat banners) and date/uname facts carry no sample: they say nothing about sampling.
    if (r.kind.startsWith('host.')) continue;
    let t = out.get(r.source.file);
    if (!t) {
      t = { records: 0, sinceBoot: 0, intervalSamples: 0, untimed: 0, utc: 0, local: 0 };
      out.set(r.source.file, t);
    }
    // A record merged by the timeline's downsampling counts for every row it stands for.
    const n = presentSamples(r);
    t.records += n;
    t.first ??= r;
    const time = r.time;
    if (time?.since_boot) {
      t.sinceBoot += n;
      t.firstSinceBoot ??= r;
    } else if (r.average !== true) t.intervalSamples += n;
    if (!time || (time.iso === undefined && time.epoch === undefined && time.rel === undefined)) {
      t.untimed += n;
      t.firstUntimed ??= r;
    }
    if (time?.clock === 'utc') t.utc += n;
    if (time?.clock === 'local' || time?.clock === 'time-of-day') t.local += n;
  }
  return out;
}

const ref = (r: TimelineRecord | undefined): SourceRef[] => (r ? [{ file: r.source.file, line: r.source.line }] : []);

// ---------------------------------------------------------------- threads

function noThreadMapping(ctx: RuleContext, o: CaptureQualityOptions): Problem[] {
  const io = new Map<number, { bytes: number; rows: TimelineRecord[]; comm?: string }>();
  for (const r of ctx.records('filetop.file')) {
    const tid = num(r, 'tid');
    if (tid === undefined) continue;
    const e = io.get(tid) ?? { bytes: 0, rows: [] };
    e.bytes += (num(r, 'read_bytes') ?? 0) + (num(r, 'written_bytes') ?? 0);
    e.rows.push(r);
    e.comm ??= str(r, 'comm');
    io.set(tid, e);
  }
  const processPids = new Set(ctx.model.processes.map((p) => p.pid));
  const threadPid = new Map(ctx.model.threads.filter((t) => t.pid !== undefined).map((t) => [t.tid, t.pid!]));
  const unmapped = [...io.entries()]
    .filter(([tid, e]) => e.bytes >= o.min_thread_io_bytes && !threadPid.has(tid) && !processPids.has(tid))
    .sort((a, b) => b[1].bytes - a[1].bytes || a[0] - b[0]);
  if (unmapped.length === 0) return [];
  const tids = unmapped.map(([tid]) => tid);
  const named = unmapped.map(([tid, e]) => (e.comm ? `${tid} (${e.comm})` : String(tid)));
  const hasPs = ctx.records('ps.thread').length > 0;
  const evidence = unmapped.flatMap(([, e]) => [...e.rows].sort((a, b) => ((num(b, 'written_bytes') ?? 0) + (num(b, 'read_bytes') ?? 0)) - ((num(a, 'written_bytes') ?? 0) + (num(a, 'read_bytes') ?? 0))).slice(0, 2).map((r) => r.source));
  const why = hasPs
    ? 'ps -efT/-eLf ran, but not while these threads lived (they started after or ended before its snapshot)'
    : 'the bundle has no thread listing (ps -efT or ps -eLf), and filetop prints thread ids only';
  return [
    {
      kind: 'no-thread-mapping',
      subject: 'filetop',
      title: 'Threads without their process',
      message: `filetop shows I/O by ${tids.length === 1 ? 'thread' : 'threads'} ${list(named)} that no tool maps to a process: ${why}. Their I/O cannot be charged to a process or a command line.`,
      evidence,
      recommendation: hasPs
        ? 'Take thread listings during the whole capture, not once: short-lived worker threads are missed by a single snapshot.'
        : 'Add a thread listing taken while filetop runs, so TIDs can be joined to their process and command line.',
      collect: [hasPs ? 'for i in $(seq 30); do ps -eLf; sleep 1; done > ps-eLf.txt' : 'ps -eLf > ps-eLf.txt   (during the filetop run)'],
      entities: { tids: [...tids].sort((a, b) => a - b) },
    },
  ];
}

// ---------------------------------------------------------------- sampling and timestamps

const INTERVAL_COMMAND: Record<string, (file: string) => string> = {
  iostat: (f) => `S_TIME_FORMAT=ISO iostat -dxt 1 30 > ${f}`,
  vmstat: (f) => `vmstat -t -w 1 30 > ${f}`,
  pidstat: (f) => `pidstat -d 1 30 > ${f}   (same report flags as before: -u, -d, -t…, with an interval and a count)`,
  mpstat: (f) => `mpstat -P ALL 1 30 > ${f}`,
  top: (f) => `top -b -d 1 -n 30 > ${f}`,
};

function sinceBootOnly(ctx: RuleContext, times: ReadonlyMap<string, FileTimes>): Problem[] {
  const out: Problem[] = [];
  for (const f of ctx.timeline.files) {
    if (!SAMPLING_TOOLS.has(f.tool)) continue;
    const t = times.get(f.path);
    if (!t || t.sinceBoot === 0 || t.intervalSamples > 0) continue;
    const what = f.tool === 'top' ? 'a single snapshot, whose CPU percentages are averages since boot' : `only ${f.tool}'s first report, the averages since boot`;
    out.push({
      kind: 'since-boot-only',
      subject: f.path,
      title: `${f.path}: since-boot averages only`,
      message: `${f.path} holds ${what}: no interval sample, so nothing in it describes the capture window (${t.sinceBoot} since-boot record${t.sinceBoot === 1 ? '' : 's'}).`,
      evidence: ref(t.firstSinceBoot),
      recommendation: `Run ${f.tool} with an interval and a count, and read the samples after the first.`,
      collect: [INTERVAL_COMMAND[f.tool]!(f.path)],
    });
  }
  return out;
}

function manifestWindow(f: FileSummary): string {
  return f.time_span?.clock === 'manifest' ? ` (the manifest places the whole file between ${f.time_span.first} and ${f.time_span.last}, not each line)` : '';
}

function noTimestamps(ctx: RuleContext, times: ReadonlyMap<string, FileTimes>): Problem[] {
  const out: Problem[] = [];
  for (const f of ctx.timeline.files) {
    const t = times.get(f.path);
    if (!t || t.records === 0) continue;
    if ((f.tool === 'iostat' || f.tool === 'vmstat') && t.untimed === t.records) {
      out.push({
        kind: 'no-timestamps',
        subject: f.path,
        title: `${f.path}: samples without times`,
        message: `${f.path} has no timestamps (${f.tool} ran without -t): its ${t.records} records are numbered samples only${manifestWindow(f)}, so they cannot be lined up with the other tools' times.`,
        evidence: ref(t.firstUntimed),
        recommendation: `Add -t so every ${f.tool === 'iostat' ? 'report' : 'row'} carries its date and time.`,
        collect: [INTERVAL_COMMAND[f.tool]!(f.path)],
      });
    }
    if (f.tool === 'opensnoop' && t.untimed > 0) {
      // `(bpftrace)`: the opensnoop.bt script, which has no time option; `(bcc python or bpftrace)`: either.
      const bpftrace = f.variant.includes('(bpftrace)');
      out.push({
        kind: 'no-timestamps',
        subject: f.path,
        title: `${f.path}: opens without times`,
        message: `${f.path} has no TIME column (opensnoop ran without -T${bpftrace ? '; the bpftrace opensnoop.bt has no such option' : ''}): its ${t.untimed} opens cannot be ordered against other tools, nor counted per second${manifestWindow(f)}.`,
        evidence: ref(t.firstUntimed),
        recommendation: `Run opensnoop with -T (times) and -e (open flags: O_CREAT shows which opens create files)${bpftrace ? ', from libbpf-tools or bcc' : ''}.`,
        collect: [`opensnoop -T -e -d 30 > ${f.path}`],
      });
    }
  }
  for (const c of ctx.records('strace.capture')) {
    if (c.timestamps !== 'none') continue;
    const target = Array.isArray(c.attach_targets) && typeof c.attach_targets[0] === 'number' ? c.attach_targets[0] : 'PID';
    const missing = ['-tt (times)', ...(c.has_durations === true ? [] : ['-T (durations)']), ...(c.has_y_annotations === true ? [] : ['-y (paths of fds)'])];
    out.push({
      kind: 'no-timestamps',
      subject: c.source.file,
      title: `${c.source.file}: strace without timestamps`,
      message: `${c.source.file} was traced without ${list(missing)}: its ${num(c, 'calls') ?? 0} calls cannot be placed in time or set against other tools${c.has_durations === true ? '' : ', and no call says how long it took'}.`,
      evidence: [c.source],
      recommendation: 'Trace with -tt -T -y (and -f for every thread), writing to a file with -o so the program output stays out of the trace.',
      collect: [`strace -f -tt -T -y -p ${target} -o ${c.source.file}`],
    });
  }
  return out;
}

function straceNoFollow(ctx: RuleContext): Problem[] {
  const out: Problem[] = [];
  for (const c of ctx.records('strace.capture')) {
    const notes = Array.isArray(c.notes) ? c.notes.filter((n): n is string => typeof n === 'string') : [];
    if (c.followed_forks === true || !notes.some((n) => n.includes('without -f'))) continue;
    const targets = Array.isArray(c.attach_targets) ? c.attach_targets.filter((t): t is number => typeof t === 'number') : [];
    const pid = targets[0];
    const proc = pid !== undefined ? ctx.model.processes.find((p) => p.pid === pid) : undefined;
    const others = (proc?.tids ?? []).filter((t) => !targets.includes(t));
    const who = pid !== undefined ? `thread ${list(targets)}${proc?.command ? ` (${proc.command})` : ''}` : 'one thread';
    const unseen = others.length > 0 ? `; the process's other ${others.length === 1 ? 'thread' : 'threads'} ${list(others)} (known from other tools) ${others.length === 1 ? 'is' : 'are'} invisible in it` : '; any other thread of the process is invisible in it';
    out.push({
      kind: 'strace-no-follow',
      subject: c.source.file,
      title: `${c.source.file}: strace followed one thread`,
      message: `${c.source.file} traced only ${who}: strace attached with -p but without -f${unseen}.`,
      evidence: [...ctx.records('strace.attach').filter((a) => a.source.file === c.source.file && a.target === true).slice(0, 1).map((a) => a.source), c.source],
      recommendation: 'Attach with -f so every thread (and child) is traced; the I/O of a server is usually in its worker threads, not in the main thread that -p names.',
      collect: [`strace -f -tt -T -y -p ${pid ?? 'PID'} -o ${c.source.file}`],
      ...(pid !== undefined ? { entities: { pids: [pid], ...(others.length > 0 ? { tids: others } : {}) } } : {}),
    });
  }
  return out;
}

// ---------------------------------------------------------------- clocks

function clockProblems(ctx: RuleContext, times: ReadonlyMap<string, FileTimes>): Problem[] {
  const out: Problem[] = [];
  const clock = ctx.timeline.clock;
  for (const n of clock.notes) {
    if (n.note.startsWith('files disagree on the date')) {
      out.push({
        kind: 'clock-date-disagree',
        subject: 'bundle',
        title: 'Files disagree on the date',
        message: `The files of this bundle disagree on the date: ${n.note}. Times of day from different files may be a day apart.`,
        evidence: [],
        recommendation: 'Collect every file in one run on the same host, and record the date with its zone at the start.',
        collect: ['date -Ins > date.txt'],
      });
    } else if (n.file && n.note.includes('no date could be found')) {
      const t = times.get(n.file);
      out.push({
        kind: 'no-date',
        subject: n.file,
        title: `${n.file}: times of day without a date`,
        message: `${n.file}: ${n.note}; they cannot be compared with dated records of other files.`,
        evidence: ref(t?.first),
        recommendation: 'Add the date of the capture to the bundle: a date output, a sysstat banner, or manifest.json with collected_at and timezone.',
        collect: ['date -Ins > date.txt'],
      });
    }
  }
  if (clock.utc_offset_min === undefined) {
    const utcFiles = [...times.entries()].filter(([, t]) => t.utc > 0).map(([f]) => f).sort();
    const localFiles = [...times.entries()].filter(([, t]) => t.local > 0).map(([f]) => f).sort();
    if (utcFiles.length > 0 && localFiles.length > 0) {
      out.push({
        kind: 'clock-zone-unknown',
        subject: 'bundle',
        title: 'UTC and local times cannot be aligned',
        message: `${list(utcFiles)} ${utcFiles.length === 1 ? 'prints' : 'print'} UTC instants while ${list(localFiles)} ${localFiles.length === 1 ? 'prints' : 'print'} local wall-clock times, and the bundle does not say the timezone: the two groups may be hours apart.`,
        evidence: [...ref(times.get(utcFiles[0]!)?.first), ...ref(times.get(localFiles[0]!)?.first)],
        recommendation: 'Record the timezone with the capture: a date -Ins output (it prints the offset) or manifest.json with timezone.',
        collect: ['date -Ins > date.txt'],
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------- reading problems

const READ_PROBLEM_CODES = new Set(['unparsed-line', 'line-cut', 'invalid-utf8', 'parser-error', 'read-error', 'json-incomplete', 'archive-corrupt']);

function unreadableLines(ctx: RuleContext): Problem[] {
  const byFile = new Map<string, Diagnostic[]>();
  for (const d of ctx.timeline.diagnostics) {
    if (!d.file || !READ_PROBLEM_CODES.has(d.code)) continue;
    const list = byFile.get(d.file) ?? [];
    list.push(d);
    byFile.set(d.file, list);
  }
  const out: Problem[] = [];
  for (const path of [...byFile.keys()].sort()) {
    const diags = byFile.get(path)!;
    const summary = ctx.timeline.files.find((f) => f.path === path);
    const unparsed = summary?.coverage.unparsed ?? diags.filter((d) => d.code === 'unparsed-line').length;
    const lines = summary?.coverage.lines;
    const first = diags.find((d) => d.line !== undefined) ?? diags[0]!;
    const cutShort = lines !== undefined && diags.some((d) => d.code === 'unparsed-line' && d.line === lines);
    const readError = diags.some((d) => d.code === 'read-error' || d.code === 'archive-corrupt');
    const parts: string[] = [];
    if (unparsed > 0) parts.push(`${unparsed}${lines !== undefined ? ` of ${lines}` : ''} lines of ${path} could not be read (first at ${path}:${first.line ?? '?'}: ${first.message})`);
    for (const d of diags.filter((x) => x.code !== 'unparsed-line')) parts.push(d.message);
    if (cutShort) parts.push('its last line is cut: the file was copied while the tool was still writing, or the tool was killed');
    if (readError) parts.push('reading the file stopped early: what follows is missing');
    const hint = diags.find((d) => d.hint)?.hint;
    out.push({
      kind: 'unreadable-lines',
      subject: path,
      title: `${path}: ${cutShort || readError ? 'cut short' : 'lines not read'}`,
      message: `${parts.join('; ')}. What those lines held is missing from every finding.`,
      evidence: diags.filter((d) => d.line !== undefined).map((d) => ({ file: path, line: d.line! })),
      recommendation: cutShort || readError ? 'Let the tool finish (or stop it with SIGINT) before copying the file, and copy it whole.' : 'Re-collect the file with the command below (the plain C locale, default columns, header kept).',
      collect: [hint ?? `re-collect ${path} with LC_ALL=C and the tool's default columns`],
    });
  }
  return out;
}

/** Files past their share of the records analysis keeps (timeline `analysis-truncated` diagnostics). */
function analysisTruncated(ctx: RuleContext): Problem[] {
  return ctx.timeline.diagnostics
    .filter((d) => d.code === 'analysis-truncated' && d.file)
    .sort((a, b) => (a.file! < b.file! ? -1 : a.file! > b.file! ? 1 : 0))
    .map((d) => ({
      kind: 'analysis-truncated' as const,
      subject: d.file!,
      title: `${d.file}: only partly analysed`,
      message: `${d.message} Findings say nothing of what ${d.file} shows after that.`,
      evidence: d.line !== undefined ? [{ file: d.file!, line: d.line }] : [],
      recommendation: 'Analyse the window of the incident: cut the file to the lines of that time (every record of the file, streamed: perftriage parse FILE --format ndjson), or give --max-records a higher value where memory allows.',
      collect: [d.hint ?? 'collect a shorter window, or with a longer interval'],
    }));
}

function eventsLost(ctx: RuleContext): Problem[] {
  const byFile = new Map<string, Diagnostic[]>();
  for (const d of ctx.timeline.diagnostics) {
    if (d.code !== 'events-lost' || !d.file) continue;
    byFile.set(d.file, [...(byFile.get(d.file) ?? []), d]);
  }
  return [...byFile.keys()].sort().map((path) => {
    const diags = byFile.get(path)!;
    const tool = ctx.timeline.files.find((f) => f.path === path)?.tool ?? 'the tracer';
    return {
      kind: 'events-lost' as const,
      subject: path,
      title: `${path}: events lost`,
      message: `${tool} said ${diags.length} time${diags.length === 1 ? '' : 's'} that it dropped events (first: ${diags[0]!.message}): counts from ${path} are lower bounds.`,
      evidence: diags.filter((d) => d.line !== undefined).map((d) => ({ file: path, line: d.line! })),
      recommendation: `Trace only the process that matters (-p PID) or for a shorter time, so ${tool}'s buffer keeps up.`,
      collect: [`${tool} -p PID ... > ${path}`],
    };
  });
}

const STRACE_ERROR = /(Operation not permitted|Permission denied|No such process|ptrace\(|attach: |Could not attach|exited with [1-9])/;

/** A short file whose first line is a tool's error, not its output: `strace: attach: …`, `bash: iotop: command not found`. */
const TOOL_ERROR_LINE = /^[\w./-]+: .*(Operation not permitted|Permission denied|No such process|No such file or directory|command not found|not found|cannot |can't |[Ee]rror|attach: |ptrace\()/;
const MAX_ERROR_FILE_LINES = 5;

/** The first line the timeline quotes in a skipped file's reason (its first 60 characters), when it is a tool's error message. */
function errorFirstLine(reason: string): string | undefined {
  const m = /first line: "(.*)"\)$/.exec(reason);
  const line = m?.[1]?.replace(/\\"/g, '"');
  return line !== undefined && TOOL_ERROR_LINE.test(line) ? line : undefined;
}

function toolFailed(ctx: RuleContext): Problem[] {
  const out: Problem[] = [];
  for (const s of ctx.timeline.skipped) {
    const line = s.bytes > 0 && s.lines <= MAX_ERROR_FILE_LINES ? errorFirstLine(s.reason) : undefined;
    if (!line) continue;
    out.push({
      kind: 'tool-failed',
      subject: s.path,
      title: `${s.path}: the tool could not run`,
      message: `${s.path} holds an error message instead of output (it begins "${line}"): the tool did not run, so nothing it would have shown is in this bundle.`,
      evidence: [{ file: s.path, line: 1 }],
      recommendation: 'Fix what the message says (run as root, install the tool, give the right PID), and keep stderr apart from the output so errors do not replace it.',
      collect: [`(CMD > ${s.path}) 2> ${s.path}.err; echo $? > ${s.path}.rc`],
    });
  }
  for (const s of ctx.timeline.skipped) {
    if (s.bytes !== 0) continue;
    out.push({
      kind: 'tool-failed',
      subject: s.path,
      title: `${s.path} is empty`,
      message: `${s.path} is empty: its command printed nothing to this file (it failed, lacked permissions, was stopped at once, or wrote only to stderr).`,
      evidence: [],
      recommendation: 'Run the command again by hand, as root, and keep its stderr beside the file (2> FILE.err) with its exit status.',
      collect: [`(CMD > ${s.path}) 2> ${s.path}.err; echo $? > ${s.path}.rc`],
    });
  }
  // A banner (host.info) is not output: a file with only its banner holds no data.
  const dataRecords = new Map<string, number>();
  for (const r of ctx.timeline.records) if (r.kind !== 'host.info') dataRecords.set(r.source.file, (dataRecords.get(r.source.file) ?? 0) + 1);
  for (const f of ctx.timeline.files) {
    if ((dataRecords.get(f.path) ?? 0) > 0) continue;
    const status = f.exit_status !== undefined && ![0, 124, 130].includes(f.exit_status) ? ` The manifest says its command exited with status ${f.exit_status}.` : '';
    out.push({
      kind: 'tool-failed',
      subject: f.path,
      title: `${f.path} holds no data`,
      message: `${f.path} was recognized as ${f.tool} output (${f.variant}) but holds no data line (${f.coverage.lines} line${f.coverage.lines === 1 ? '' : 's'}, all headers or messages): the tool did not report anything.${status}`,
      evidence: f.coverage.lines > 0 ? [{ file: f.path, line: 1 }] : [],
      recommendation: `Check that ${f.tool} could run (permissions, the process still alive, an interval long enough to see activity).`,
      collect: [`(${f.tool} ... > ${f.path}) 2> ${f.path}.err; echo $? > ${f.path}.rc`],
    });
  }
  for (const f of ctx.timeline.files) {
    if (f.truncated !== true) continue;
    out.push({
      kind: 'file-truncated',
      subject: f.path,
      title: `${f.path} was cut short by the collector`,
      message: `The manifest says the collector cut ${f.path} at its size limit: what ${f.tool} printed after the last line (${f.coverage.lines} lines kept) is missing, so totals and the end of the window are undercounted.`,
      evidence: f.coverage.lines > 0 ? [{ file: f.path, line: f.coverage.lines }] : [],
      recommendation: 'Collect again with a larger size cap (collect.sh -m MiB) or a shorter window, or narrow the tool to the process (-p PID).',
      collect: ['sh collect.sh -d 30 -m 256 -p PID -o bundle.tar.gz'],
    });
  }
  const messages = ctx.records('strace.message').filter((m) => STRACE_ERROR.test(str(m, 'text') ?? ''));
  const byFile = new Map<string, TimelineRecord[]>();
  for (const m of messages) byFile.set(m.source.file, [...(byFile.get(m.source.file) ?? []), m]);
  for (const path of [...byFile.keys()].sort()) {
    const ms = byFile.get(path)!;
    out.push({
      kind: 'tool-failed',
      subject: path,
      title: `${path}: strace reported errors`,
      message: `strace reported ${ms.length} error${ms.length === 1 ? '' : 's'} in ${path} (first: "${str(ms[0]!, 'text')}"): some targets were not traced.`,
      evidence: ms.map((m) => m.source),
      recommendation: 'Run strace as root (or with CAP_SYS_PTRACE, and kernel.yama.ptrace_scope=0 in containers) against a process that is still running.',
      collect: [`strace -f -tt -T -y -p PID -o ${path}`],
    });
  }
  return out;
}

/** `*.md`, `README*`: `*` any run of characters, `?` one; matched on the base name when the glob has no `/`. */
function globMatcher(glob: string): (path: string) => boolean {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  const re = new RegExp(`^${body}$`);
  return glob.includes('/') ? (p) => re.test(p) : (p) => re.test(p.slice(p.lastIndexOf('/') + 1));
}

function unrecognizedFiles(ctx: RuleContext, o: CaptureQualityOptions): Problem[] {
  const ignored = o.ignore_unrecognized.map(globMatcher);
  const files = ctx.timeline.skipped
    .filter((s) => s.bytes > 0 && !ignored.some((m) => m(s.path)))
    .filter((s) => !(s.lines <= MAX_ERROR_FILE_LINES && errorFirstLine(s.reason))) // reported as tool-failed
    .map((s) => s.path)
    .sort();
  if (files.length === 0) return [];
  return [
    {
      kind: 'unrecognized-files',
      subject: 'bundle',
      title: `${files.length} ${files.length === 1 ? 'file' : 'files'} not recognized`,
      message: `${files.length} ${files.length === 1 ? 'file was' : 'files were'} not read, because no parser recognizes ${files.length === 1 ? 'it' : 'them'}: ${list(files, 8)}. Nothing in ${files.length === 1 ? 'it' : 'them'} is analysed.`,
      evidence: files.map((file) => ({ file, line: 1 })),
      recommendation:
        'If a file is the output of a tool perftriage reads, name the tool (--tool FILE=TOOL, or "tool" in manifest.json) or re-collect it with the header the tool prints; otherwise leave it out of the bundle, or list it in this rule\'s ignore_unrecognized option.',
      collect: [],
    },
  ];
}

function evaluate(ctx: RuleContext, o: CaptureQualityOptions): FindingDraft[] {
  const times = fileTimes(ctx);
  const problems = [
    ...noThreadMapping(ctx, o),
    ...sinceBootOnly(ctx, times),
    ...noTimestamps(ctx, times),
    ...straceNoFollow(ctx),
    ...clockProblems(ctx, times),
    ...unreadableLines(ctx),
    ...eventsLost(ctx),
    ...analysisTruncated(ctx),
    ...toolFailed(ctx),
    ...unrecognizedFiles(ctx, o),
  ];
  const ignored = new Set<string>(o.ignore_problems);
  return problems
    .filter((p) => !ignored.has(p.kind))
    .map((p) => {
      const f: FindingDraft = {
        title: p.title,
        message: p.message,
        entities: p.entities ?? {},
        evidence: p.evidence,
        recommendation: p.recommendation,
        identity: [p.kind, p.subject],
      };
      if (p.collect.length > 0) f.collect = p.collect;
      return f;
    });
}

export const rule: RuleModule<CaptureQualityOptions> = {
  meta: {
    id: 'capture-quality',
    title: 'Capture quality',
    description: 'What this bundle cannot show (no thread mapping, since-boot samples only, no timestamps, one strace thread, clocks, unreadable or empty files) and the command that would show it.',
    defaultSeverity: 'note',
    requires: [],
    uses: [],
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        min_thread_io_bytes: { type: 'number', minimum: 0 },
        ignore_unrecognized: { type: 'array', items: { type: 'string', minLength: 1 } },
        ignore_problems: { type: 'array', items: { enum: [...PROBLEM_KINDS] } },
      },
    },
    defaults,
    docs: 'docs/rules/capture-quality.md',
  },
  evaluate,
};
