/**
 * `dmesg` (util-linux) → `dmesg.message`, one record per line of the kernel ring buffer. See
 * `docs/parsers/dmesg.md`.
 *
 * Reads the default form (`[ 1234.567890] message`, seconds since boot), `-T` (`[Fri Nov 27 20:24:04 2026]`,
 * local time), `--time-format iso`, and `-x` (`kern  :warn  : `) or `-r` (`<4>`) before the timestamp (the
 * prefix reader is the sniffer's, src/sniff/detectors/dmesg.ts).
 *
 * Record fields: time (`relative` with `rel` = seconds since boot; `local` for -T; `utc` for iso), message
 * (the text after the timestamp, as printed), level and facility (-x, or from -r's priority). The messages
 * a slow-I/O case turns on are recognized by the kernel's own wording (the printk formats of the kernel
 * source named beside each) and carry `event` with their facts:
 * - `hung-task` (kernel/hung_task.c `INFO: task %s:%d blocked for more than %ld seconds.`): comm, tid (the
 *   kernel's task id: a thread's, which is the process's only for its main thread), blocked_s;
 * - `io-error` (block/blk-core.c `%s error, dev %s, sector %llu op 0x%x:(%s)`, before 5.x
 *   `blk_update_request: I/O error, dev %s, sector %llu`; fs/buffer.c `Buffer I/O error on dev %pg,
 *   logical block %llu`): device, error (`I/O`, `critical medium`…), sector, op;
 * - `fs-error` (`EXT4-fs error (device %s)`, `BTRFS error (device %s)`, XFS corruption, shutdown or I/O error):
 *   device, filesystem;
 * - `disk-error` (SCSI `sd H:C:T:L: [sdX] … FAILED Result` / `timing out command`, NVMe `nvme nvmeN: I/O …
 *   timeout` / reset): device;
 * - `oom-kill` (mm/oom_kill.c `Out of memory: Killed process %d (%s)`, the memory cgroup's too): pid, comm,
 *   and `cgroup: true` for `Memory cgroup out of memory` (the kill was at a cgroup's limit, not for want of
 *   the machine's memory);
 * - `soft-lockup` (kernel/watchdog.c `BUG: soft lockup - CPU#%d stuck for %us! [%s:%d]`): cpu, stuck_s, comm, tid;
 * - `hard-lockup` (kernel/watchdog.c, before 6.x watchdog_hld.c: `Watchdog detected hard LOCKUP on cpu %d`): cpu;
 * - `rcu-stall` (kernel/rcu/tree_stall.h `INFO: %s self-detected stall on CPU`, `INFO: %s detected stalls on
 *   CPUs/tasks:` and its `expedited` form, under `rcu: ` since 4.x): rcu (the flavour: rcu_sched, rcu_preempt…), self_detected, and
 *   cpus when the message lists them (`{ 3 5 }`, older kernels).
 *
 * A message that holds a newline goes on in lines without a prefix, indented under its text: they join its
 * `message` (with the newline). Other lines without a prefix (a note pasted into the file, a line cut at
 * its start) are unparsed.
 */
import type { RecordTime, TimelineRecord } from '../common/types.js';
import { floatingEpoch, parseIsoInstant } from '../common/time.js';
import { readDmesgPrefix, type DmesgPrefix } from '../sniff/detectors/dmesg.js';
import type { LineOutcome, LineParser, ParseContext, ParserModule } from './types.js';

/** `-r` priority → `-x` names: the low three bits are the level, the rest the facility. */
const LEVELS = ['emerg', 'alert', 'crit', 'err', 'warn', 'notice', 'info', 'debug'];
const FACILITIES = ['kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const HUNG_TASK_RE = /^INFO: task (.+):(\d+) blocked for more than (\d+) seconds\./;
const BLOCK_ERROR_RE = /(?:^|: )((?:critical |recoverable )?[A-Za-z/ ]*?) error, dev ([^\s,]+), sector (\d+)(?: op 0x[0-9a-f]+:\((\w+)\))?/;
const BUFFER_ERROR_RE = /^Buffer I\/O error on dev ([^\s,]+), logical block (\d+)/;
const EXT_ERROR_RE = /^(EXT[234]-fs) error \(device ([^)]+)\)/;
const BTRFS_ERROR_RE = /^(BTRFS) (?:error|critical) \(device ([^)]+)\)/;
const XFS_ERROR_RE = /^(XFS) \(([^)]+)\): .*(?:[Cc]orruption|[Ss]hutdown|I\/O [Ee]rror)/;
const SD_ERROR_RE = /^sd [\d:]+: \[(\w+)\] .*(?:FAILED Result|timing out command)/;
const NVME_ERROR_RE = /^nvme (nvme\d+): .*(?:timeout|[Rr]eset)/;
const OOM_RE = /^(?:Memory cgroup o|O)ut of memory: Kill(?:ed)? process (\d+) \((.*?)\)/;
const SOFT_LOCKUP_RE = /soft lockup - CPU#(\d+) stuck for (\d+)s! \[(.+):(\d+)\]/;
const HARD_LOCKUP_RE = /Watchdog detected hard LOCKUP on cpu (\d+)/;
const RCU_STALL_RE = /^(?:rcu: )?INFO: (rcu_\w+?)(?:_state)? (self-detected stall|detected (?:expedited )?stalls?) on CPU(?:s\/tasks)?:?(?: \{([\d ]*)\})?/;

/** An RCU stall warning's facts: `{ 3 5 }` lists the stalled CPUs (older kernels print it inline). */
function rcuStall(m: RegExpExecArray): Record<string, string | number | boolean | number[]> {
  const cpus = (m[3] ?? '').trim().split(/ +/).filter((c) => c !== '').map(Number);
  return { event: 'rcu-stall', rcu: m[1]!, self_detected: m[2] === 'self-detected stall', ...(cpus.length > 0 ? { cpus } : {}) };
}

/** The facts of a message the analysis looks for, or nothing. Exported for the tests. */
export function classifyKernelMessage(message: string): Record<string, string | number | boolean | number[]> | undefined {
  let m = HUNG_TASK_RE.exec(message);
  if (m) return { event: 'hung-task', comm: m[1]!, tid: Number(m[2]), blocked_s: Number(m[3]) };
  if ((m = BUFFER_ERROR_RE.exec(message))) return { event: 'io-error', error: 'Buffer I/O', device: m[1]!, block: Number(m[2]) };
  if ((m = BLOCK_ERROR_RE.exec(message))) {
    const facts: Record<string, string | number> = { event: 'io-error', error: m[1]!.trim() || 'I/O', device: m[2]!, sector: Number(m[3]) };
    if (m[4] !== undefined) facts.op = m[4];
    return facts;
  }
  if ((m = EXT_ERROR_RE.exec(message) ?? BTRFS_ERROR_RE.exec(message) ?? XFS_ERROR_RE.exec(message))) return { event: 'fs-error', filesystem: m[1]!, device: m[2]! };
  if ((m = SD_ERROR_RE.exec(message) ?? NVME_ERROR_RE.exec(message))) return { event: 'disk-error', device: m[1]! };
  if ((m = OOM_RE.exec(message))) return { event: 'oom-kill', pid: Number(m[1]), comm: m[2]!, ...(message.startsWith('Memory cgroup') ? { cgroup: true } : {}) };
  if ((m = SOFT_LOCKUP_RE.exec(message))) return { event: 'soft-lockup', cpu: Number(m[1]), stuck_s: Number(m[2]), comm: m[3]!, tid: Number(m[4]) };
  if ((m = HARD_LOCKUP_RE.exec(message))) return { event: 'hard-lockup', cpu: Number(m[1]) };
  if ((m = RCU_STALL_RE.exec(message))) return rcuStall(m);
  return undefined;
}

/** The record's time from the prefix, or why it cannot be read. */
function timeOf(p: DmesgPrefix): RecordTime | string {
  if (p.sinceBoot !== undefined) return { clock: 'relative', rel: Number(p.sinceBoot) };
  if (p.ctime !== undefined) {
    // `Fri Nov 27 20:24:04 2026`: C's ctime, local time.
    const [, mon, day, clock, year] = p.ctime.split(/ +/);
    const month = MONTHS.indexOf(mon!) + 1;
    const [hour, minute, second] = clock!.split(':').map(Number) as [number, number, number];
    if (month === 0 || hour > 23 || minute > 59 || second > 60) return `impossible date "${p.ctime}"`;
    const date = { year: Number(year), month, day: Number(day) };
    const pad = (n: number): string => String(n).padStart(2, '0');
    return { clock: 'local', iso: `${date.year}-${pad(month)}-${pad(date.day)}T${clock}`, epoch: floatingEpoch(date, { hour, minute, second }) };
  }
  const instant = parseIsoInstant(p.iso!.replace(',', '.'));
  return instant ? { clock: 'utc', iso: instant.iso, epoch: instant.epoch } : `impossible date "${p.iso}"`;
}

function create(ctx: ParseContext): LineParser {
  // A message is emitted once the next line shows it has no continuation line.
  let pending: TimelineRecord | undefined;
  const flush = (): void => {
    if (!pending) return;
    const facts = classifyKernelMessage(pending.message as string);
    if (facts) Object.assign(pending, facts);
    ctx.emit(pending);
    pending = undefined;
  };
  return {
    line(text: string, lineNo: number): LineOutcome {
      if (text.trim() === '') {
        flush();
        return 'skip';
      }
      const prefix = readDmesgPrefix(text);
      if (!prefix) {
        // A message holding a newline goes on, without a prefix, under its first line's text.
        if (pending && text.charCodeAt(0) === 32) {
          pending.message = `${pending.message as string}\n${text.trimStart()}`;
          return 'data';
        }
        return { unparsed: 'expected a dmesg line: [seconds since boot] or [date] before the message' };
      }
      flush();
      const time = timeOf(prefix);
      if (typeof time === 'string') return { unparsed: time };
      const message = text.slice(prefix.messageAt);
      const record: TimelineRecord = { kind: 'dmesg.message', source: { file: ctx.file, line: lineNo }, time, message };
      if (prefix.priority !== undefined) {
        record.level = LEVELS[prefix.priority & 7]!;
        const facility = FACILITIES[prefix.priority >> 3] ?? (prefix.priority >> 3 >= 16 && prefix.priority >> 3 <= 23 ? `local${(prefix.priority >> 3) - 16}` : undefined);
        if (facility !== undefined) record.facility = facility;
      } else if (prefix.level !== undefined) {
        record.level = prefix.level;
        record.facility = prefix.facility!;
      }
      pending = record;
      return 'data';
    },
    end(): void {
      flush();
    },
  };
}

export const parser: ParserModule = {
  meta: {
    tool: 'dmesg',
    title: 'dmesg (util-linux): the kernel ring buffer',
    commands: ['dmesg', 'dmesg -T', 'dmesg -x -T', 'dmesg -r', 'dmesg --time-format iso'],
    recordKinds: ['dmesg.message'],
    recollect: 'Save the kernel ring buffer as root, with local times and levels, right after the slowdown (it is overwritten as the kernel logs): `dmesg -x -T > dmesg.txt`.',
  },
  create,
};
