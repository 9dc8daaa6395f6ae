/**
 * Recognizes filetop output (bcc `tools/filetop.py` and libbpf-tools `filetop`) by its column header
 * `TID|PID COMM READS WRITES R_Kb W_Kb T FILE`, helped by the `HH:MM:SS loadavg: …` line that starts each
 * interval and bcc's `Tracing... Output every N secs` banner. The variant names the implementation and the
 * header era (see docs/parsers/filetop.md):
 * - `PID` header, `%-6s`: bcc python 2016-02 (the column was a thread id already);
 * - `TID` header, `%-6s`: bcc python 2016-08 .. 2021-07;
 * - `TID` header, `%-7s`: bcc python >= 2021-08 and every libbpf-tools filetop. bcc python prints the
 *   `Tracing...` banner first; libbpf-tools never does.
 * A first line echoing the command (`# ./filetop -Cr 5 -a 1 3`) adds the flags.
 *
 * The parser (`src/parsers/filetop.ts`) reuses the line readers exported here.
 */
import type { Detector, SniffResult } from '../types.js';

/** The column header; group 1 the id title, group 2 the padding after it (its width tells the era). */
export const FILETOP_HEADER_RE = /^(TID|PID)( +)COMM +READS +WRITES +R_Kb +W_Kb +T +FILE *$/;

/** `08:00:23 loadavg: 0.91 0.33 0.23 3/286 26635` (`%-8s` in bcc, `%8s` in libbpf-tools). */
export const FILETOP_LOADAVG_RE = /^ *(\d{1,2}:\d{2}:\d{2}) loadavg: (\d+\.\d+) (\d+\.\d+) (\d+\.\d+) (\d+)\/(\d+) (\d+) *$/;

/** bcc python's banner, printed once before the first interval. */
export const FILETOP_TRACING_RE = /^Tracing\.\.\. Output every (\d+) secs?\. Hit Ctrl-C to end *$/;

/** A shell line echoing the command: `# ./filetop -C`, `$ sudo filetop-bpfcc 5`, `./filetop.py -a`. */
export const FILETOP_COMMAND_RE = /^ *(?:[#$] *)?(?:sudo +)?(?:\S*\/)?filetop[\w.-]*(?: +(.*))?$/;

/** ANSI escape sequences (CSI `ESC [ … letter`, and `ESC c`) that `clear` writes before an interval. */
const ANSI_PREFIX_RE = /^(?:\x1b\[[0-9;?]*[A-Za-z]|\x1bc)+/;

/** The line without the terminal-control sequences `clear` left at its start (bcc/libbpf without -C). */
export function stripClearScreen(line: string): string {
  return line.charCodeAt(0) === 0x1b ? line.replace(ANSI_PREFIX_RE, '') : line;
}

export type FiletopImplementation = 'bcc python' | 'libbpf-tools' | 'bcc python or libbpf-tools';

/** Implementation and header era from what the head of the file shows. */
export function filetopVariant(opts: { idTitle: string; idWidth: number; tracingBanner: boolean; firstIsInterval: boolean; command?: string }): string {
  let impl: FiletopImplementation;
  let era: string;
  if (opts.idTitle === 'PID') {
    impl = 'bcc python';
    era = 'PID header, 2016-02';
  } else if (opts.idWidth <= 6) {
    impl = 'bcc python';
    era = 'TID header %-6s, 2016-08..2021-07';
  } else {
    impl = opts.tracingBanner ? 'bcc python' : opts.firstIsInterval ? 'libbpf-tools' : 'bcc python or libbpf-tools';
    era = 'TID header %-7s';
  }
  const command = opts.command ? `filetop ${opts.command}`.trim() : 'filetop';
  return `${command} (${impl}, ${era})`;
}

/** What the first lines of a filetop-shaped output (filetop, biotop) show. */
export interface TopLikeHead {
  header: RegExpExecArray | null;
  tracingBanner: boolean;
  loadavg: boolean;
  command: string | undefined;
  firstContent: 'interval' | 'other' | undefined;
}

/**
 * One pass over the head of a filetop-shaped output: the echoed command (first line only), the bcc
 * "Tracing..." banner, libbpf-tools' `HH:MM:SS loadavg:` lines, and the tool's header.
 */
export function scanTopLikeHead(head: readonly string[], commandRe: RegExp, headerRe: RegExp): TopLikeHead {
  const out: TopLikeHead = { header: null, tracingBanner: false, loadavg: false, command: undefined, firstContent: undefined };
  for (const raw of head) {
    const line = stripClearScreen(raw);
    if (line.trim() === '') continue;
    if (out.firstContent === undefined && out.command === undefined) {
      // Only the first line may echo the command (the corpus files and `script` captures start so).
      const cmd = commandRe.exec(line);
      if (cmd) {
        out.command = (cmd[1] ?? '').trim();
        continue;
      }
    }
    if (FILETOP_TRACING_RE.test(line)) out.tracingBanner = true;
    const isLoadavg = FILETOP_LOADAVG_RE.test(line);
    if (isLoadavg) out.loadavg = true;
    out.firstContent ??= isLoadavg ? 'interval' : 'other';
    out.header ??= headerRe.exec(line);
  }
  return out;
}

function filetop(head: readonly string[]): SniffResult | null {
  const { header, tracingBanner, loadavg, command, firstContent } = scanTopLikeHead(head, FILETOP_COMMAND_RE, FILETOP_HEADER_RE);
  if (!header) return null;
  const variant = filetopVariant({
    idTitle: header[1]!,
    idWidth: header[1]!.length + header[2]!.length - 1,
    tracingBanner,
    firstIsInterval: firstContent === 'interval',
    ...(command !== undefined ? { command } : {}),
  });
  return {
    tool: 'filetop',
    variant,
    // The header alone is unique to filetop; the loadavg line or the bcc banner confirm it.
    confidence: loadavg || tracingBanner ? 0.99 : 0.97,
    evidence: `header "${header[0].trim()}"${loadavg ? ' and "HH:MM:SS loadavg:" interval lines' : ''}${tracingBanner ? ' after the bcc "Tracing..." banner' : ''}`,
  };
}

export const detector: Detector = { tool: 'filetop', detect: filetop };
