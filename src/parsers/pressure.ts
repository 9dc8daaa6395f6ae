/**
 * Linux pressure stall information (PSI, kernel 4.20+, `CONFIG_PSI`) → `pressure.stall`, one record per
 * `some` or `full` line. See `docs/parsers/pressure.md`.
 *
 * PSI says how much of the time tasks were stalled waiting for a resource: `some` is the share of time at
 * least one task was stalled on it, `full` the share when every non-idle task was (for cpu, `full` is 0
 * except within cgroups). Each line is `some avg10=0.00 avg60=0.00 avg300=0.00 total=0`: averages in
 * percent over the last 10, 60 and 300 seconds, and the total stall time in microseconds since boot, from
 * which two snapshots give the exact share of the time between them.
 *
 * Reads what support engineers save:
 * - `cat /proc/pressure/io` (the resource from the file's name: `pressure-io.txt`, `psi_memory.txt`);
 * - `grep -H . /proc/pressure/*` (`/proc/pressure/io:some …`), also for a cgroup's files
 *   (`/sys/fs/cgroup/system.slice/app.service/io.pressure:full …`: `cgroup` is its directory);
 * - `head /proc/pressure/*` (`==> /proc/pressure/io <==` before each file's lines);
 * - any of these repeated in a loop with a timestamp line between snapshots (`date -Is`, `date +%s`, any
 *   form `date` prints): each timestamp starts a snapshot, and the lines after it take its time. Without
 *   timestamps a snapshot is counted each time a resource's line comes again (`time.sample`).
 *
 * Record fields: resource (cpu, io, memory, irq), scope (some, full), avg10, avg60, avg300 (percent),
 * total_us (cumulative stall microseconds), cgroup (for a cgroup's `*.pressure` file). A line whose resource
 * nothing tells (a bare `cat` into a file named without it) is still read, without `resource`, and one
 * warning says how to collect it with its name.
 */
import type { RecordTime, TimelineRecord } from '../common/types.js';
import { PSI_GREP_PREFIX_RE, PSI_HEADER_RE, PSI_STALL_RE } from '../sniff/detectors/pressure.js';
import { readDateLine, readingTime } from './date.js';
import type { LineOutcome, LineParser, ParseContext, ParserModule } from './types.js';

export const PSI_RESOURCES = ['cpu', 'io', 'memory', 'irq'] as const;
export type PsiResource = (typeof PSI_RESOURCES)[number];

/** The resource a file's name tells (`pressure-io.txt`, `psi_memory`, `io.pressure`), if one and only one. */
export function resourceFromFileName(file: string): PsiResource | undefined {
  const base = (file.split('/').pop() ?? file).toLowerCase();
  const found = PSI_RESOURCES.filter((r) => new RegExp(`(?:^|[^a-z])${r}(?:[^a-z]|$)`).test(base));
  return found.length === 1 ? found[0] : undefined;
}

interface StallLine {
  scope: 'some' | 'full';
  avg10: number;
  avg60: number;
  avg300: number;
  total_us: number;
}

/** One `some|full avg10=… total=…` line (the detector's pattern), or undefined. */
function readStallLine(text: string): StallLine | undefined {
  const m = PSI_STALL_RE.exec(text);
  if (!m) return undefined;
  const total = Number(m[5]);
  if (!Number.isSafeInteger(total)) return undefined;
  return { scope: m[1] as 'some' | 'full', avg10: Number(m[2]), avg60: Number(m[3]), avg300: Number(m[4]), total_us: total };
}

/** Where a line's resource came from: a grep -H prefix or a head header, with the cgroup when a cgroup file. */
interface Source {
  resource: PsiResource;
  cgroup: string | undefined;
}

function sourceOf(m: RegExpExecArray): Source {
  return m[1] !== undefined ? { resource: m[1] as PsiResource, cgroup: undefined } : { resource: m[3] as PsiResource, cgroup: m[2] };
}

class PressureReader implements LineParser {
  private readonly fromName: PsiResource | undefined;
  /** The resource of the lines under a `==>` header. */
  private current: Source | undefined;
  /** The time of the snapshot being read (the last timestamp line), and its index. */
  private time: RecordTime | undefined;
  private sample = -1;
  /** Series (resource, cgroup, scope) seen in the current snapshot: seeing one again starts a new one. */
  private seen = new Set<string>();
  private unnamedNoted = false;

  constructor(private readonly ctx: ParseContext) {
    this.fromName = resourceFromFileName(ctx.file);
  }

  line(text: string, lineNo: number): LineOutcome {
    const trimmed = text.trim();
    if (trimmed === '') return 'skip';
    const header = PSI_HEADER_RE.exec(trimmed);
    if (header) {
      this.current = sourceOf(header);
      return 'skip';
    }
    let body = trimmed;
    let source: Source | undefined;
    const prefix = PSI_GREP_PREFIX_RE.exec(trimmed);
    if (prefix) {
      source = sourceOf(prefix);
      body = trimmed.slice(prefix[0].length);
    } else source = this.current ?? (this.fromName ? { resource: this.fromName, cgroup: undefined } : undefined);
    const stall = readStallLine(body);
    if (!stall) {
      const reading = readDateLine(trimmed);
      if (reading) {
        // A timestamp between snapshots: the lines after it are that snapshot's.
        this.sample++;
        this.seen.clear();
        this.time = readingTime(reading, this.sample);
        return 'skip';
      }
      return { unparsed: 'expected a PSI line (`some avg10=0.00 avg60=0.00 avg300=0.00 total=0`), `/proc/pressure/io:` before one, a `==> /proc/pressure/io <==` header or a timestamp' };
    }
    const series = `${source?.resource ?? '?'}\u0000${source?.cgroup ?? ''}\u0000${stall.scope}`;
    if (this.sample < 0 || (this.time === undefined && this.seen.has(series))) {
      // No timestamps: a series seen again is the next snapshot.
      this.sample++;
      this.seen.clear();
    }
    this.seen.add(series);
    const record: TimelineRecord = {
      kind: 'pressure.stall',
      source: { file: this.ctx.file, line: lineNo },
      time: this.time ? { ...this.time, sample: this.sample } : { clock: 'ordinal', sample: this.sample },
    };
    if (source) record.resource = source.resource;
    else if (!this.unnamedNoted) {
      this.unnamedNoted = true;
      this.ctx.diagnostic({
        severity: 'warning',
        code: 'pressure-resource-unknown',
        message: 'PSI lines without their resource (cpu, io or memory): nothing in the file or its name says which. Collect with `grep -H . /proc/pressure/*` or name the file pressure-io.txt',
        line: lineNo,
      });
    }
    if (source?.cgroup !== undefined) record.cgroup = source.cgroup;
    Object.assign(record, stall);
    this.ctx.emit(record);
    return 'data';
  }

  end(): void {}
}

export const parser: ParserModule = {
  meta: {
    tool: 'pressure',
    title: 'PSI (pressure stall information, /proc/pressure)',
    commands: ['grep -H . /proc/pressure/*', 'while sleep 1; do date -Is; grep -H . /proc/pressure/*; done', 'cat /proc/pressure/io', 'head /proc/pressure/*'],
    recordKinds: ['pressure.stall'],
    recollect: 'run `for i in $(seq 30); do date -Is; grep -H . /proc/pressure/*; sleep 1; done > pressure.txt` (each snapshot timestamped, each line with its resource)',
  },
  create(ctx: ParseContext) {
    return new PressureReader(ctx);
  },
};
