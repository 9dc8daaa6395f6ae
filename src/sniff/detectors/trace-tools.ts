/**
 * Recognizers for the tracing tools whose parsers come in later milestones (strace, filetop, opensnoop),
 * so that a bundle listing says what these files are rather than "unknown", and the timeline can say
 * precisely what it did not read yet.
 */
import type { Detector, SniffResult } from '../types.js';

// `[pid N] `, `N `, timestamps (`17:35:25.955486 `, `1700000000.123 `, `+0.000123 `), then `name(`.
const STRACE_CALL = /^(?:\[pid\s+\d+\]\s+|\d+\s+)?(?:\d{2}:\d{2}:\d{2}(?:\.\d+)?\s+|\d{9,}\.\d+\s+|\s*\+?\d+\.\d+\s+)?[a-z_][a-z0-9_]*\(.*(?:\)\s+=\s+\S+|<unfinished \.\.\.>\s*$)/;
const STRACE_MESSAGE = /^(?:strace: Process \d+ (?:attached|detached)|\+\+\+ (?:exited with \d+|killed by SIG\w+)|--- SIG\w+ \{)/;

function strace(head: readonly string[]): SniffResult | null {
  let calls = 0;
  let messages = 0;
  for (const line of head) {
    if (STRACE_MESSAGE.test(line)) messages++;
    else if (STRACE_CALL.test(line)) calls++;
  }
  if (calls === 0) return null;
  const nonBlank = head.filter((l) => l.trim() !== '').length;
  const share = (calls + messages) / Math.max(1, nonBlank);
  if (share < 0.5) return null;
  return { tool: 'strace', variant: 'strace', confidence: Math.min(0.95, 0.5 + share * 0.45), evidence: `${calls} syscall line(s) of the form name(args) = ret` };
}

const FILETOP_HEADER = /^(TID|PID)\s+COMM\s+READS\s+WRITES\s+R_Kb\s+W_Kb\s+T\s+FILE\s*$/;

function filetop(head: readonly string[]): SniffResult | null {
  const header = head.find((l) => FILETOP_HEADER.test(l));
  if (!header) return null;
  const libbpf = head.some((l) => /^\d{2}:\d{2}:\d{2} loadavg: /.test(l)) && !head.some((l) => l.startsWith('Tracing...'));
  return { tool: 'filetop', variant: libbpf ? 'filetop (libbpf-tools)' : 'filetop (bcc)', confidence: 0.95, evidence: `header "${header.trim()}"` };
}

const OPENSNOOP_HEADER = /^(?:TIME(?:\(s\))?\s+)?(?:UID\s+)?(?:PID|TID)\s+COMM\s+FD\s+ERR\s+(?:FLAGS\s+)?(?:MODE\s+)?PATH\s*$/;

function opensnoop(head: readonly string[]): SniffResult | null {
  const header = head.find((l) => OPENSNOOP_HEADER.test(l));
  if (!header) return null;
  const bpftrace = head.some((l) => /^Attaching \d+ probes?\.\.\./.test(l));
  return { tool: 'opensnoop', variant: bpftrace ? 'opensnoop.bt (bpftrace)' : 'opensnoop (bcc or libbpf-tools)', confidence: 0.95, evidence: `header "${header.trim()}"` };
}

export const straceDetector: Detector = { tool: 'strace', detect: strace };
export const filetopDetector: Detector = { tool: 'filetop', detect: filetop };
export const opensnoopDetector: Detector = { tool: 'opensnoop', detect: opensnoop };
