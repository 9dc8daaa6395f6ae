/**
 * biosnoop: one line per completed block I/O — bcc `tools/biosnoop.py` (`[-Q] [-P] [-d DISK]`), libbpf-tools
 * `biosnoop` (`[-t] [-Q] [-d DISK] [-m MIN_MS]`) and bpftrace `biosnoop.bt`.
 *
 * Emits `biosnoop.io` per row: comm (issuing task, on-CPU at issue; ≤ 14 characters in bcc/libbpf, may hold
 * spaces), pid, disk, rwbs (T: `R`, `W`, or libbpf-tools' rwbs letters such as `WS`, `RA`, `FWS`), sector (512-byte
 * units, as printed), bytes, pri (bcc -P, as printed), queue_s (QUE(ms) / 1000: time queued in the OS before the
 * device), latency_s (LAT(ms) / 1000: issue to completion).
 * Time: `TIME(s)` seconds since the first traced I/O → `{ clock: 'relative', rel }`; bpftrace `TIME(ms)`
 * milliseconds since tracing started → relative seconds; libbpf-tools `-t` `TIMESTAMP` `HH:MM:SS.mmm` →
 * `{ clock: 'time-of-day' }`.
 *
 * Rows are read like ps rows: the columns left of COMM take words from the left, those right of it from the
 * right, and COMM is the text in between (spaces kept). Known non-data lines: the echoed command, bpftrace's
 * `Attaching N probes...` / `Tracing block device I/O...`, `^C`, lost-event warnings.
 */
import type { RecordTime, TimelineRecord } from '../common/types.js';
import { formatTimeOfDay, parseTimeOfDay } from '../common/time.js';
import { parseNumber, round } from '../common/units.js';
import { BIOSNOOP_BANNER_RE, BIOSNOOP_COMMAND_RE, biosnoopHeaderTitles, biosnoopVariant } from '../sniff/detectors/biosnoop.js';
import type { LineOutcome, ParseContext, ParserModule } from './types.js';

/** Start and end offsets of the words of a line, flat: [s0, e0, s1, e1, …]. */
export function wordSpans(line: string): number[] {
  const spans: number[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && line.charCodeAt(i) !== 32 && line.charCodeAt(i) !== 9) i++;
    spans.push(start, i);
  }
  return spans;
}

/**
 * Split a row under `titles` whose free-text column is `COMM`: cells left of it by words from the left, right of it
 * from the right, COMM the text between. Returns title → cell, or a reason.
 */
export function splitAroundComm(line: string, titles: readonly string[]): Map<string, string> | string {
  const spans = wordSpans(line);
  const words = spans.length / 2;
  const commAt = titles.indexOf('COMM');
  const right = titles.length - commAt - 1;
  if (words < titles.length) return `${words} words where ${titles.length} columns (${titles.join(' ')}) are expected`;
  const cells = new Map<string, string>();
  const word = (i: number): string => line.slice(spans[2 * i]!, spans[2 * i + 1]!);
  for (let c = 0; c < commAt; c++) cells.set(titles[c]!, word(c));
  for (let c = 0; c < right; c++) cells.set(titles[titles.length - 1 - c]!, word(words - 1 - c));
  cells.set('COMM', line.slice(spans[2 * commAt]!, spans[2 * (words - right - 1) + 1]!));
  return cells;
}

const LOST_RE = /^(?:lost \d+ events on CPU #\d+|Lost \d+ events on CPU #\d+!|Possibly lost \d+ samples) *$/;

export const parser: ParserModule = {
  meta: {
    tool: 'biosnoop',
    title: 'biosnoop (bcc python, libbpf-tools, bpftrace): block I/O with latency',
    commands: ['biosnoop', 'biosnoop -Q', 'biosnoop -t -Q', 'bpftrace biosnoop.bt'],
    recordKinds: ['biosnoop.io'],
    recollect: 'run `biosnoop -Q > biosnoop.txt` (libbpf-tools: `biosnoop -t -Q` for wall-clock times), keeping the header line',
  },
  create(ctx: ParseContext) {
    let titles: string[] | undefined;
    let bpftraceLines = false;
    let command: string | undefined;
    let seenContent = false;

    const readRow = (text: string, lineNo: number): TimelineRecord | string => {
      const cells = splitAroundComm(text, titles!);
      if (typeof cells === 'string') return cells;
      const record: TimelineRecord = { kind: 'biosnoop.io', source: { file: ctx.file, line: lineNo } };
      const first = titles![0]!;
      const t = cells.get(first)!;
      let time: RecordTime | undefined;
      if (first === 'TIMESTAMP') {
        const tod = parseTimeOfDay(t);
        if (tod) time = { clock: 'time-of-day', iso: formatTimeOfDay(tod) };
      } else {
        const v = parseNumber(t);
        if (v !== undefined && v >= 0) time = { clock: 'relative', rel: first === 'TIME(ms)' ? round(v / 1000, 9) : v };
      }
      if (!time) return `${first} "${t}" is not a time`;
      record.time = time;
      record.comm = cells.get('COMM')!;
      for (const title of titles!) {
        const cell = cells.get(title)!;
        switch (title) {
          case 'PID':
          case 'SECTOR':
          case 'BYTES': {
            if (!/^\d+$/.test(cell)) return `${title} "${cell}" is not a whole number`;
            record[title.toLowerCase()] = Number(cell);
            break;
          }
          case 'DISK':
            record.disk = cell;
            break;
          case 'T':
            if (!/^[RWDFNASME]+$/.test(cell)) return `T "${cell}" is not an rwbs code (R, W, WS, …)`;
            record.rwbs = cell;
            break;
          case 'PRI':
            record.pri = cell;
            break;
          case 'QUE(ms)':
          case 'LAT(ms)': {
            const v = parseNumber(cell);
            if (v === undefined) return `${title} "${cell}" is not a number`;
            // libbpf-tools prints QUE(ms) -1 when the queue time is unknown.
            if (title === 'QUE(ms)') {
              if (v >= 0) record.queue_s = round(v / 1000, 9);
            } else record.latency_s = round(v / 1000, 9);
            break;
          }
          default:
            break;
        }
      }
      return record;
    };

    return {
      line(text: string, lineNo: number): LineOutcome {
        const trimmed = text.trim();
        if (trimmed === '') return 'skip';
        const first = !seenContent;
        seenContent = true;
        const next = biosnoopHeaderTitles(text);
        if (next) {
          if (!titles) ctx.setVariant(biosnoopVariant(next, bpftraceLines, command));
          titles = next;
          return 'skip';
        }
        if (titles && /^\d/.test(text)) {
          const record = readRow(text, lineNo);
          if (typeof record === 'string') return { unparsed: `${record} (header: ${titles.join(' ')})` };
          ctx.emit(record);
          return 'data';
        }
        if (BIOSNOOP_BANNER_RE.test(text)) {
          bpftraceLines = true;
          return 'skip';
        }
        if (trimmed === '^C') return 'skip';
        if (LOST_RE.test(trimmed)) {
          ctx.diagnostic({ severity: 'warning', code: 'events-lost', message: `biosnoop reported lost events: "${trimmed}"`, line: lineNo });
          return 'skip';
        }
        if (first) {
          const cmd = BIOSNOOP_COMMAND_RE.exec(text);
          if (cmd) {
            command = `${cmd[1]} ${cmd[2] ?? ''}`.trim();
            seenContent = false;
            return 'skip';
          }
        }
        return { unparsed: titles ? 'expected a biosnoop row under its header' : 'no biosnoop header seen yet (expected "TIME(s) COMM PID DISK T SECTOR BYTES LAT(ms)")' };
      },
      end(): void {},
    };
  },
};
