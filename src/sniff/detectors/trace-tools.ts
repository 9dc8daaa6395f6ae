/**
 * Recognizers for the tracing tools whose parsers come in later milestones (filetop, opensnoop),
 * so that a bundle listing says what these files are rather than "unknown", and the timeline can say
 * precisely what it did not read yet.
 */
import type { Detector, SniffResult } from '../types.js';

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

export const filetopDetector: Detector = { tool: 'filetop', detect: filetop };
export const opensnoopDetector: Detector = { tool: 'opensnoop', detect: opensnoop };
