/**
 * mpstat (sysstat) → `mpstat.cpu`, `mpstat.node`, `mpstat.interrupts` and `host.info` records.
 * See `docs/parsers/mpstat.md` and `docs/parsers/sysstat.md`.
 *
 * Reads the text output of `mpstat [-A] [-u] [-n] [-I SUM|CPU|SCPU|ALL] [-N ALL] [-P ALL|n,m] [interval [count]]`,
 * sysstat 9.x … 12.7, in any locale:
 * - the banner (`Linux 5.8.0 (host) \t12/02/2021 \t_x86_64_\t(2 CPU)`) → `host.info`, and its date dates the rows;
 * - tables, each introduced by a header `<time> CPU <columns…>` (or `NODE` for `-n`/`-N`), repeated for every
 *   interval (or printed once for `mpstat 1 5` without `-P`):
 *   - CPU utilization `%usr %nice %sys %iowait %irq %soft %steal %guest %gnice %idle` (old: `%user`, no
 *     `%gnice`/`%guest`; sysstat 8 adds `intr/s` last) → `mpstat.cpu`; the same under `NODE` → `mpstat.node`;
 *   - `intr/s` (`-I SUM`) → `mpstat.interrupts` with `table: 'sum'`, `intr_per_s`;
 *   - per-interrupt `0/s 1/s … NMI/s LOC/s …` (`-I CPU`) → `mpstat.interrupts` with `table: 'irq'` and `per_s`,
 *     a map interrupt name → interrupts per second;
 *   - per-softirq `HI/s TIMER/s NET_TX/s … RCU/s` (`-I SCPU`) → `table: 'softirq'`, `per_s` likewise;
 * - row times as `%X` of the locale: `03:16:17 PM` (two tokens) or `00:15:35`; summary rows start with
 *   `Average:` or its translation (`Durchschn.:`, `Moyenne :`): any non-time label ending in `:`;
 * - decimal commas (`0,50`) of non-C locales.
 *
 * Columns are found from the right: a row is `<label tokens…> <cpu> <one value per header column>`, so the
 * width of the time column (12- or 24-hour, translated Average label) does not matter.
 *
 * Time: rows become `local` date-times with the banner date (midnight rollover handled by SysstatClock) or
 * stay `time-of-day` without one. `sample` is the report index (a new row time starts a new report).
 * The header of each table carries the time of the previous report: equal to the row time when mpstat ran
 * without an interval, whose only report holds averages since boot (`since_boot: true`); otherwise their
 * difference is the interval (`interval_s`). Average rows get `average: true` and no time.
 *
 * Not read (reported as unparsed with a hint): `mpstat -o JSON`, `mpstat -T` topology columns.
 *
 * Line outcomes: banner and rows → 'data'; headers and blanks → 'skip'.
 */
import type { RecordTime, TimelineRecord } from '../common/types.js';
import { parseNumber, parsePercent } from '../common/units.js';
import { secondsOfDay, type TimeOfDay } from '../common/time.js';
import { SysstatClock, bannerRecord, parseSysstatBanner, readRowTime, tokens } from './sysstat-common.js';
import type { LineOutcome, LineParser, ParseContext, ParserModule } from './types.js';

type TableKind = 'cpu' | 'node' | 'sum' | 'irq' | 'softirq';

/** Utilization columns → record fields (percent). */
const CPU_COLUMNS: ReadonlyMap<string, string> = new Map([
  ['%usr', 'usr_pct'],
  ['%user', 'usr_pct'],
  ['%nice', 'nice_pct'],
  ['%sys', 'sys_pct'],
  ['%system', 'sys_pct'],
  ['%iowait', 'iowait_pct'],
  ['%irq', 'irq_pct'],
  ['%soft', 'soft_pct'],
  ['%steal', 'steal_pct'],
  ['%guest', 'guest_pct'],
  ['%gnice', 'gnice_pct'],
  ['%idle', 'idle_pct'],
  // sysstat 8.x printed the interrupt total as the last column of the CPU table.
  ['intr/s', 'intr_per_s'],
]);

/** Softirq names of /proc/softirqs (BLOCK_IOPOLL became IRQ_POLL in Linux 4.5). */
const SOFTIRQS = new Set(['HI', 'TIMER', 'NET_TX', 'NET_RX', 'BLOCK', 'BLOCK_IOPOLL', 'IRQ_POLL', 'TASKLET', 'SCHED', 'HRTIMER', 'RCU']);

interface Table {
  kind: TableKind;
  /** cpu/node tables: record field per column; interrupt tables: interrupt name per column (`LOC` for `LOC/s`). */
  keys: string[];
  /** Time of day printed in the header (the previous report's time), absent on Average headers. */
  headerSeconds?: number;
}

const RECOLLECT = 'LC_ALL=C mpstat -P ALL 1 > mpstat.txt (add -I SUM for interrupt rates; the banner dates the rows)';

/** Classifies a header's column names, or says why it cannot. */
function classifyTable(idToken: string, columns: readonly string[]): Table | string {
  if (columns.length === 0) return 'a mpstat header without columns';
  if (columns.some((c) => c === 'CORE' || c === 'SOCK' || c === 'NODE')) return 'mpstat -T topology columns (CORE SOCK NODE) are not read; collect without -T';
  if (columns.some((c) => c.startsWith('%'))) {
    const keys: string[] = [];
    for (const c of columns) {
      const field = CPU_COLUMNS.get(c);
      if (!field) return `unknown mpstat utilization column '${c}'`;
      keys.push(field);
    }
    return { kind: idToken === 'NODE' ? 'node' : 'cpu', keys };
  }
  if (idToken === 'NODE') return `unknown mpstat NODE table (columns ${columns.join(' ')})`;
  if (columns.length === 1 && columns[0] === 'intr/s') return { kind: 'sum', keys: ['intr_per_s'] };
  const names: string[] = [];
  for (const c of columns) {
    if (!c.endsWith('/s') || c.length < 3) return `unknown mpstat column '${c}' (expected %usr …, intr/s or <interrupt>/s)`;
    names.push(c.slice(0, -2));
  }
  return { kind: names.every((n) => SOFTIRQS.has(n)) ? 'softirq' : 'irq', keys: names };
}

/** `all` or a CPU / node number. */
function readId(token: string): 'all' | number | undefined {
  if (token === 'all') return 'all';
  return /^\d{1,6}$/.test(token) ? Number(token) : undefined;
}

/** The leading label of a row or header: a time, or an Average label in any language. */
type Label = { time: TimeOfDay } | { average: true };

function readLabel(label: readonly string[]): Label | undefined {
  if (label.length === 0) return undefined;
  const rt = readRowTime(label);
  if (rt && rt.used === label.length) return rt.time ? { time: rt.time } : { average: true };
  // Translated "Average:" (de `Durchschn.:`, fr `Moyenne :`): a word label ending in a colon, not a time.
  const last = label[label.length - 1]!;
  if (last.endsWith(':') && !/^\d/.test(label[0]!)) return { average: true };
  return undefined;
}

class MpstatReader implements LineParser {
  private readonly clock = new SysstatClock();
  private table: Table | undefined;
  /** Why the current table cannot be read (its rows are reported with this reason). */
  private tableError: string | undefined;
  private sample = -1;
  /** Time of the current report, shared by its tables. */
  private reportTime: RecordTime | undefined;
  private reportSeconds: number | undefined;

  constructor(private readonly ctx: ParseContext) {}

  line(text: string, lineNo: number): LineOutcome {
    const toks = tokens(text);
    if (toks.length === 0) return 'skip';
    const banner = parseSysstatBanner(text);
    if (banner) {
      this.clock.setDate(banner.date);
      this.table = undefined;
      this.tableError = undefined;
      this.reportSeconds = undefined;
      this.ctx.emit(bannerRecord(banner, this.ctx.file, lineNo, 'mpstat'));
      return 'data';
    }
    if (toks[0]!.startsWith('{') || toks[0]!.startsWith('"')) {
      return { unparsed: 'mpstat -o JSON output is not read; collect the text output' };
    }
    const idIndex = toks.findIndex((t) => t === 'CPU' || t === 'NODE');
    if (idIndex >= 1 && readLabel(toks.slice(0, idIndex))) return this.header(toks, idIndex);
    return this.row(toks, lineNo);
  }

  end(): void {}

  private header(toks: string[], idIndex: number): LineOutcome {
    const label = readLabel(toks.slice(0, idIndex))!;
    const table = classifyTable(toks[idIndex]!, toks.slice(idIndex + 1));
    if (typeof table === 'string') {
      this.table = undefined;
      this.tableError = table;
      return { unparsed: table };
    }
    if ('time' in label) table.headerSeconds = secondsOfDay(label.time);
    this.table = table;
    this.tableError = undefined;
    return 'skip';
  }

  private row(toks: string[], lineNo: number): LineOutcome {
    const table = this.table;
    if (!table) {
      return { unparsed: this.tableError ? `row of a table that was not read: ${this.tableError}` : 'expected a mpstat header (`<time> CPU %usr …`) before this row' };
    }
    const n = table.keys.length;
    const idIndex = toks.length - n - 1;
    if (idIndex < 1) return { unparsed: `expected a time, a CPU and ${n} value(s), found ${toks.length} token(s)` };
    const id = readId(toks[idIndex]!);
    const label = readLabel(toks.slice(0, idIndex));
    if (id === undefined || !label) {
      return { unparsed: `expected '<time> <CPU|all> ${n} value(s)' as in the header, found ${toks.length} token(s)` };
    }
    const record: TimelineRecord = { kind: this.kindOf(table.kind), source: { file: this.ctx.file, line: lineNo } };
    if ('time' in label) record.time = this.timeOf(label.time, table);
    record[table.kind === 'node' ? 'node' : 'cpu'] = id;
    if (table.kind === 'irq' || table.kind === 'softirq') record.table = table.kind;
    else if (table.kind === 'sum') record.table = 'sum';
    const values = this.readValues(toks, idIndex + 1, table);
    if (typeof values === 'string') return { unparsed: values };
    if (table.kind === 'irq' || table.kind === 'softirq') {
      const perS: Record<string, number> = {};
      for (let i = 0; i < n; i++) perS[table.keys[i]!] = values[i]!;
      record.per_s = perS;
    } else {
      for (let i = 0; i < n; i++) record[table.keys[i]!] = values[i]!;
    }
    if ('average' in label) record.average = true;
    this.ctx.emit(record);
    return 'data';
  }

  private kindOf(kind: TableKind): string {
    if (kind === 'cpu') return 'mpstat.cpu';
    if (kind === 'node') return 'mpstat.node';
    return 'mpstat.interrupts';
  }

  private readValues(toks: readonly string[], from: number, table: Table): number[] | string {
    const values: number[] = [];
    for (let i = from; i < toks.length; i++) {
      const v = table.kind === 'cpu' || table.kind === 'node' ? parsePercent(toks[i]!) : parseNumber(toks[i]!);
      if (v === undefined) return `mpstat value '${toks[i]}' under '${table.keys[i - from]}' is not a number`;
      values.push(v);
    }
    return values;
  }

  /** The time of a row: one report per distinct row time; since boot when the header shows the same time. */
  private timeOf(t: TimeOfDay, table: Table): RecordTime {
    const secs = secondsOfDay(t);
    if (this.reportTime === undefined || this.reportSeconds !== secs) {
      this.sample++;
      const reference = this.reportSeconds ?? table.headerSeconds;
      const extra: Partial<RecordTime> = {};
      if (table.headerSeconds === secs) extra.since_boot = true;
      else if (reference !== undefined) extra.interval_s = (secs - reference + 86400) % 86400;
      this.reportTime = this.clock.at(t, this.sample, extra);
      this.reportSeconds = secs;
    }
    return { ...this.reportTime };
  }
}

export const parser: ParserModule = {
  meta: {
    tool: 'mpstat',
    title: 'mpstat (sysstat): per-CPU utilization, per-node utilization and interrupt rates',
    commands: ['mpstat [-A] [-u] [-n] [-I SUM|CPU|SCPU|ALL] [-N ALL] [-P ALL|cpu-list] [interval [count]]'],
    recordKinds: ['mpstat.cpu', 'mpstat.node', 'mpstat.interrupts', 'host.info'],
    series: { 'mpstat.cpu': { key: ['cpu'] }, 'mpstat.node': { key: ['node'] }, 'mpstat.interrupts': { key: ['cpu', 'table'] } },
    recollect: RECOLLECT,
  },
  create(ctx: ParseContext): LineParser {
    return new MpstatReader(ctx);
  },
};
