/**
 * `date`: every non-blank line is one timestamp in a form `date` prints: default (`Thu Nov 26 23:12:01 UTC 2026`,
 * 12-hour en_US, day-first de_DE), `-R`, `-I…`, `--rfc-3339=…`, `+%s`. A lone number or a lone ISO date is weak
 * evidence; the default and RFC 5322 forms are strong. Self-contained (sniffing does not use the parsers).
 */
import type { Detector, SniffResult } from '../types.js';

interface Form {
  name: string;
  re: RegExp;
  confidence: number;
}

const FORMS: readonly Form[] = [
  { name: 'date', re: /^[A-Za-z]{2,3} +[A-Za-z]{3} +\d{1,2} +\d{1,2}:\d{2}:\d{2} +(?:[AP]M +)?(?:\S+ +)?\d{4}$/, confidence: 0.9 },
  { name: 'date (day-first locale)', re: /^\S{2,3} +\d{1,2}\. +\S{3,4} +\d{1,2}:\d{2}:\d{2} +(?:\S+ +)?\d{4}$/, confidence: 0.85 },
  { name: 'date -R', re: /^(?:[A-Za-z]{3}, +)?\d{1,2} +[A-Za-z]{3} +\d{4} +\d{2}:\d{2}:\d{2} +(?:[+-]\d{4}|UT|GMT|Z)$/, confidence: 0.9 },
  { name: 'date -I', re: /^\d{4}-\d{2}-\d{2}T\d{2}(?::\d{2}(?::\d{2}(?:[.,]\d+)?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)$/, confidence: 0.8 },
  { name: 'date --rfc-3339', re: /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})$/, confidence: 0.8 },
  { name: 'date -I (date only)', re: /^\d{4}-\d{2}-\d{2}$/, confidence: 0.6 },
  { name: 'date +%s', re: /^\d{9,12}(?:\.\d+)?$/, confidence: 0.5 },
];

/** A line in one of the forms `date` prints (other detectors accept timestamp lines between snapshots). */
export function isDateLine(line: string): boolean {
  const text = line.trim();
  return FORMS.some((f) => f.re.test(text));
}

function detect(head: readonly string[]): SniffResult | null {
  const lines = head.map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length === 0) return null;
  let confidence = 1;
  const names = new Set<string>();
  for (const line of lines) {
    const form = FORMS.find((f) => f.re.test(line));
    if (!form) return null;
    names.add(form.name);
    confidence = Math.min(confidence, form.confidence);
  }
  return { tool: 'date', variant: [...names].join(', '), confidence, evidence: `${lines.length} line(s) like "${lines[0]!.slice(0, 60)}"` };
}

export const detector: Detector = { tool: 'date', detect };
