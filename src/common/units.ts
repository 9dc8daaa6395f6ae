/**
 * Unit conversions used by every parser. perftriage normalizes to bytes, bytes/s, seconds and percent.
 * sysstat's "kB" is a kibibyte (1024 bytes) despite its name, and so are procps' KiB.
 */
export const KIB = 1024;
export const MIB = 1024 * 1024;
export const GIB = 1024 * 1024 * 1024;
export const TIB = 1024 * GIB;
export const SECTOR_BYTES = 512;

/** Multiplier for a binary size suffix as printed by sysstat `--human`, procps top (`m`, `g`) or df -h (`K`, `M`, …). */
export function binarySuffixFactor(suffix: string): number | undefined {
  switch (suffix.toUpperCase()) {
    case '':
    case 'B':
      return 1;
    case 'K':
    case 'KB':
    case 'KIB':
      return KIB;
    case 'M':
    case 'MB':
    case 'MIB':
      return MIB;
    case 'G':
    case 'GB':
    case 'GIB':
      return GIB;
    case 'T':
    case 'TB':
    case 'TIB':
      return TIB;
    case 'P':
    case 'PB':
    case 'PIB':
      return TIB * 1024;
    case 'E':
    case 'EB':
    case 'EIB':
      return TIB * 1024 * 1024;
    default:
      return undefined;
  }
}

const NUMBER_RE = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/** A plain decimal number, or undefined (never NaN). Accepts a decimal comma (`0,14`) from non-C locales. */
export function parseNumber(token: string): number | undefined {
  const t = token.includes(',') && !token.includes('.') ? token.replace(',', '.') : token;
  if (!NUMBER_RE.test(t)) return undefined;
  return Number(t);
}

const SIZED_RE = /^([-+]?(?:\d+\.?\d*|\.\d+))([A-Za-z]{0,3})$/;

/**
 * A number with an optional binary size suffix (`1.5G`, `400.9M`, `0.0B`, `52k`), times `unitBytes` when it
 * has no suffix (e.g. 1024 for a kB column). Returns bytes, or undefined when it is not such a token.
 */
export function parseSizedNumber(token: string, unitBytes = 1): number | undefined {
  const m = SIZED_RE.exec(token.includes(',') && !token.includes('.') ? token.replace(',', '.') : token);
  if (!m) return undefined;
  const value = Number(m[1]);
  if (m[2] === '') return value * unitBytes;
  const factor = binarySuffixFactor(m[2]!);
  return factor === undefined ? undefined : value * factor;
}

/** A percentage with or without a trailing `%` (`39.9%` under sysstat --human). */
export function parsePercent(token: string): number | undefined {
  return parseNumber(token.endsWith('%') ? token.slice(0, -1) : token);
}

/** Round to a fixed number of decimals so unit conversions do not print 0.30000000000000004. */
export function round(value: number, decimals = 6): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
