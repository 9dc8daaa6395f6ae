/**
 * Picks the tool that wrote a file from its first lines. Every detector looks; the most confident
 * answer wins, ties broken by tool name so the choice never depends on registration order.
 */
import type { Detector, SniffResult } from './types.js';
import { SNIFF_LINES } from './types.js';

export interface SniffOutcome {
  /** The winner, when any detector recognized the content. */
  result?: SniffResult;
  /** Every detector that answered, most confident first (shown by `perftriage sniff --format json`). */
  candidates: SniffResult[];
  /** Why nothing was chosen: empty, binary, or no detector recognized it. */
  reason?: string;
}

/** Cap on how much of one line a reason quotes, so a hostile first line cannot flood the output. */
const QUOTE_CHARS = 60;

export function sniffLines(head: readonly string[], detectors: readonly Detector[]): SniffOutcome {
  const lines = head.slice(0, SNIFF_LINES);
  if (lines.every((l) => l.trim() === '')) return { candidates: [], reason: 'empty file (no non-blank line)' };
  if (lines.some((l) => l.includes('\u0000'))) return { candidates: [], reason: 'binary content (NUL bytes), not a text capture' };
  const candidates: SniffResult[] = [];
  for (const detector of detectors) {
    let found: SniffResult | null = null;
    try {
      found = detector.detect(lines);
    } catch {
      found = null; // a detector bug must not hide the file from the others
    }
    if (found && found.confidence > 0) candidates.push(found);
  }
  candidates.sort((a, b) => b.confidence - a.confidence || a.tool.localeCompare(b.tool));
  const [best] = candidates;
  if (best) return { result: best, candidates };
  const first = lines.find((l) => l.trim() !== '') ?? '';
  return { candidates, reason: `no parser recognizes this content (first line: ${JSON.stringify(first.slice(0, QUOTE_CHARS))})` };
}
