/**
 * strace output: recognised by its line grammar (the same scanner the parser uses), never by file name.
 * The variant names the pid style, clocks, -T, -y and whether the file is only a `-c` summary.
 */
import { entryHalfEnd, findArgsEnd, nameEnd, readPrefix, readReturn } from '../../parsers/strace/lexer.js';
import type { Detector, SniffResult } from '../types.js';

const SUMMARY_HEADER = /^% time\s+seconds\s+usecs\/call\s+calls\s+errors\s+syscall\s*$/;

/** `strace: Process N attached|detached`, also spliced at the end of a trace line. */
const STRACE_PROCESS = /strace: Process \d+ (?:attached|detached)/;
/** `-e read=`/`-e write=` dumps: ` | 00000  7f 45 4c 46 …  .ELF… |`. */
const HEX_DUMP = /^ \| [0-9a-f]{5}  [0-9a-f]{2} /;

type LineKind = 'call' | 'event' | 'message' | 'other';

function classify(line: string): { kind: LineKind; style?: string; ts?: string; dur?: boolean; y?: boolean } {
  if (line.startsWith('strace: ') || STRACE_PROCESS.test(line)) return { kind: 'message' };
  if (HEX_DUMP.test(line) || line.startsWith(' <detached ...>') || line.startsWith(' <unfinished ...>')) return { kind: 'event' };
  const p = readPrefix(line);
  const b = p.body;
  if (line.startsWith('+++ ', b) || line.startsWith('--- SIG', b) || line.startsWith('<... ', b)) return { kind: 'event', style: p.style, ts: p.tsKind };
  const ne = nameEnd(line, b);
  if (ne === b || line.charCodeAt(ne) !== 40) return { kind: 'other' };
  if (entryHalfEnd(line)) return { kind: 'call', style: p.style, ts: p.tsKind };
  const close = findArgsEnd(line, ne + 1);
  if (close < 0) return { kind: 'other' };
  const ret = readReturn(line, close);
  if (!ret) return { kind: 'other' };
  return { kind: 'call', style: p.style, ts: p.tsKind, dur: ret.durationS !== undefined, y: ret.retFd?.annotation !== undefined || /\d<\/|AT_FDCWD</.test(line.slice(ne, close)) };
}

function detect(head: readonly string[]): SniffResult | null {
  let calls = 0;
  let events = 0;
  let messages = 0;
  let nonBlank = 0;
  let summary = false;
  const styles = new Set<string>();
  let ts: string | undefined;
  let dur = false;
  let y = false;
  for (const line of head) {
    if (line.trim() === '') continue;
    nonBlank++;
    if (SUMMARY_HEADER.test(line)) {
      summary = true;
      continue;
    }
    const c = classify(line);
    if (c.kind === 'call') calls++;
    else if (c.kind === 'event') events++;
    else if (c.kind === 'message') messages++;
    else continue;
    if (c.style) styles.add(c.style);
    ts ??= c.ts;
    dur ||= c.dur === true;
    y ||= c.y === true;
  }
  if (summary && calls === 0) {
    return { tool: 'strace', variant: 'strace -c (summary table)', confidence: 0.95, evidence: 'strace -c header "% time seconds usecs/call calls errors syscall"' };
  }
  if (calls === 0) {
    if (messages === 0 || !head.some((l) => STRACE_PROCESS.test(l))) return null;
    return { tool: 'strace', variant: 'strace -p (attach/detach messages)', confidence: 0.9, evidence: '"strace: Process N attached/detached" lines' };
  }
  const share = (calls + events + messages) / Math.max(1, nonBlank);
  if (share < 0.5) return null;
  const flags: string[] = [];
  if (styles.has('bracket')) flags.push('-f (stderr, [pid N])');
  else if (styles.has('column')) flags.push('-f -o (TID column)');
  if (ts) flags.push(ts === 'r' ? '-r' : `-${ts}`);
  if (dur) flags.push('-T');
  if (y) flags.push('-y');
  if (messages > 0 && head.some((l) => /^strace: Process \d+ attached/.test(l))) flags.push('attached (-p)');
  const confidence = calls >= 3 ? Math.min(0.97, 0.6 + share * 0.37) : 0.6;
  return {
    tool: 'strace',
    variant: flags.length ? `strace ${flags.join(' ')}` : 'strace',
    confidence,
    evidence: `${calls} syscall line(s) of the form name(args) = ret${events ? `, ${events} signal/exit/resumed line(s)` : ''}`,
  };
}

export const detector: Detector = { tool: 'strace', detect };
