/**
 * Numbers and times for people: binary byte units (the tools' "kB" is KiB), rates, durations, percents,
 * clock labels. Pure and deterministic: fixed decimals, no locale, no time zone of the machine running
 * the report (an epoch is printed with UTC getters, which for a `local` clock gives back its wall time).
 */
import { GIB, KIB, MIB, TIB } from '../common/units.js';

const BYTE_STEPS: readonly [number, string][] = [
  [TIB, 'TiB'],
  [GIB, 'GiB'],
  [MIB, 'MiB'],
  [KIB, 'KiB'],
];

/** Three significant digits at most, trailing zeros dropped: 1.23, 12.3, 123, 1234. */
export function shortNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  const decimals = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : abs >= 0.01 ? 3 : abs === 0 ? 0 : 4;
  const text = value.toFixed(decimals);
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

export function formatBytes(bytes: number): string {
  const abs = Math.abs(bytes);
  for (const [size, unit] of BYTE_STEPS) if (abs >= size) return `${shortNumber(bytes / size)} ${unit}`;
  return `${shortNumber(bytes)} B`;
}

export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}

export function formatPct(pct: number): string {
  return `${shortNumber(pct)}%`;
}

/** Seconds → `18.1 s`, `350 ms`, `120 µs`. */
export function formatSeconds(seconds: number): string {
  const abs = Math.abs(seconds);
  if (abs === 0) return '0 s';
  if (abs >= 1) return `${shortNumber(seconds)} s`;
  if (abs >= 0.001) return `${shortNumber(seconds * 1000)} ms`;
  return `${shortNumber(seconds * 1e6)} µs`;
}

export function formatCount(n: number): string {
  return Number.isInteger(n) ? String(n) : shortNumber(n);
}

export type Unit = 'bytes' | 'bytes_per_s' | 'pct' | 's' | 'per_s' | 'count';

export function formatValue(value: number, unit: Unit): string {
  switch (unit) {
    case 'bytes':
      return formatBytes(value);
    case 'bytes_per_s':
      return formatRate(value);
    case 'pct':
      return formatPct(value);
    case 's':
      return formatSeconds(value);
    case 'per_s':
      return `${shortNumber(value)}/s`;
    case 'count':
      return formatCount(value);
  }
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** Epoch seconds → `HH:MM:SS` (UTC getters: see the module note). */
export function clockLabel(epoch: number): string {
  const d = new Date(Math.round(epoch * 1000));
  return `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
}

/** An ISO time as printed in a report: the date and time, without milliseconds noise. */
export function isoLabel(iso: string): string {
  return iso.replace('T', ' ').replace(/(\.\d{1,3})\d*/, '$1');
}

/** `a, b and c` */
export function joinWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/** joinWords for lists that can be long (the threads of a busy process): the first `max`, then "and N more". */
export function joinWordsCapped(words: readonly string[], max = 8): string {
  if (words.length <= max) return joinWords(words);
  return `${words.slice(0, max).join(', ')} and ${formatCount(words.length - max)} more`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}
