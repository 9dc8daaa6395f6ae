/**
 * Sniffing decides, from a file's first lines (never its name), which tool wrote it and in which
 * variant (flags, version). Each tool has a detector in `src/sniff/detectors/<tool>.ts`.
 */

export interface SniffResult {
  tool: string;
  /** Human-readable flags/version, e.g. `iostat -d -x, sysstat >= 12.3`. */
  variant: string;
  /** 0..1: 1 = a banner or header that only this tool prints; < 0.5 = a guess. */
  confidence: number;
  /** What in the content decided it (shown by `perftriage sniff`). */
  evidence: string;
}

/**
 * A detector sees up to `SNIFF_LINES` first lines (CR removed) and answers with a result or null.
 * It must be pure and cheap: it runs on every file of every bundle.
 */
export interface Detector {
  tool: string;
  detect(head: readonly string[]): SniffResult | null;
}

export const SNIFF_LINES = 64;
