/**
 * Recognizes biotop output — bcc `tools/biotop.py` and libbpf-tools `biotop` — by its column header
 * `PID COMM D MAJ MIN DISK I/O Kbytes AVGms`, helped by the `HH:MM:SS loadavg: …` interval lines and bcc's
 * `Tracing... Output every N secs` banner it shares with filetop (whose readers it reuses). PID is printed
 * `%-6s` by bcc before 2021 and `%-7s` since (and by libbpf-tools).
 */
import type { Detector, SniffResult } from '../types.js';
import { scanTopLikeHead } from './filetop.js';

/** The column header; group 1 the padding after PID (its width tells the era). */
export const BIOTOP_HEADER_RE = /^PID( +)COMM +D +MAJ +MIN +DISK +I\/O +Kbytes +AVGms *$/;

/** A shell line echoing the command: `# ./biotop -C 5`, `$ sudo biotop-bpfcc`. */
export const BIOTOP_COMMAND_RE = /^ *(?:[#$] *)?(?:sudo +)?(?:\S*\/)?biotop[\w.-]*(?: +(.*))?$/;

export function biotopVariant(pidWidth: number, tracingBanner: boolean, firstIsInterval: boolean, command?: string): string {
  let impl: string;
  if (pidWidth <= 6) impl = 'bcc python, PID %-6s (before 2021)';
  else if (tracingBanner) impl = 'bcc python';
  else if (firstIsInterval) impl = 'libbpf-tools';
  else impl = 'bcc python or libbpf-tools';
  return `${command !== undefined ? `biotop ${command}`.trim() : 'biotop'} (${impl})`;
}

function biotop(head: readonly string[]): SniffResult | null {
  const { header, tracingBanner, loadavg, command, firstContent } = scanTopLikeHead(head, BIOTOP_COMMAND_RE, BIOTOP_HEADER_RE);
  if (!header) return null;
  return {
    tool: 'biotop',
    variant: biotopVariant(3 + header[1]!.length - 1, tracingBanner, firstContent === 'interval', command),
    confidence: loadavg || tracingBanner ? 0.99 : 0.97,
    evidence: `header "${header[0].trim()}"${loadavg ? ' and "HH:MM:SS loadavg:" interval lines' : ''}`,
  };
}

export const detector: Detector = { tool: 'biotop', detect: biotop };
