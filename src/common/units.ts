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

/** Whether text[s, e) is one or more decimal digits (`^\d+$` of that slice, without cutting it). */
export function allDigits(text: string, s: number, e: number): boolean {
  if (e <= s) return false;
  for (let k = s; k < e; k++) {
    const c = text.charCodeAt(k);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * The value of the decimal digits text[s, e) (the caller has checked they are digits), equal to Number() of
 * them: summed exactly up to 15 digits, read by Number() beyond. Parsers read ids and counts in place
 * with it, without cutting a string per number.
 */
export function digitsValue(text: string, s: number, e: number): number {
  if (e - s > 15) return Number(text.slice(s, e));
  let v = 0;
  for (let k = s; k < e; k++) v = v * 10 + (text.charCodeAt(k) - 48);
  return v;
}

const NUMBER_RE = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/** A plain decimal number, or undefined (never NaN). Accepts a decimal comma (`0,14`) from non-C locales. */
export function parseNumber(token: string): number | undefined {
  // Fast path: `[-+]?digits[.digits]`, what nearly every column holds (a regex per value was the top
  // cost of the sysstat and top parsers). Number() reads those exactly as NUMBER_RE would accept them.
  if (plainDecimalLength(token) === token.length && token.length > 0) return plainDecimal(token);
  const t = token.includes(',') && !token.includes('.') ? token.replace(',', '.') : token;
  if (!NUMBER_RE.test(t)) return undefined;
  return Number(t);
}

/**
 * The value of a token plainDecimalLength accepted, equal to Number(token): with at most 15 characters the
 * digits make an exact integer and 10^k is exact, so their quotient is the correctly rounded value, as
 * Number's is. Longer tokens go to Number.
 */
function plainDecimal(token: string): number {
  const n = token.length;
  if (n > 15) return Number(token);
  let i = 0;
  let negative = false;
  const first = token.charCodeAt(0);
  if (first === 45 || first === 43) {
    negative = first === 45;
    i = 1;
  }
  let int = 0;
  let scale = 1;
  let afterDot = false;
  for (; i < n; i++) {
    const c = token.charCodeAt(i);
    if (c === 46) afterDot = true;
    else {
      int = int * 10 + (c - 48);
      if (afterDot) scale *= 10;
    }
  }
  const value = afterDot ? int / scale : int;
  return negative ? -value : value;
}

/**
 * The plain decimal text[s, e) (`[-+]?\d*\.?\d*` with a digit) read in place, equal to parseNumber of it;
 * undefined for anything else (the caller then cuts the token and reads it the general way).
 */
export function plainDecimalAt(text: string, s: number, e: number): number | undefined {
  if (e <= s) return undefined;
  let i = s;
  const first = text.charCodeAt(s);
  const negative = first === 45; /* - */
  if (negative || first === 43 /* + */) i++;
  let digits = 0;
  let dot = false;
  let int = 0;
  let scale = 1;
  for (; i < e; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      digits++;
      int = int * 10 + (c - 48);
      if (dot) scale *= 10;
    } else if (c === 46 /* . */ && !dot) dot = true;
    else return undefined;
  }
  if (digits === 0) return undefined;
  if (e - s > 15) return Number(text.slice(s, e));
  const value = dot ? int / scale : int;
  return negative ? -value : value;
}

/**
 * Length of the `[-+]?\d*\.?\d*` prefix of `token` when it holds at least one digit, else -1: the whole
 * token is a plain decimal when this equals its length.
 */
function plainDecimalLength(token: string): number {
  const n = token.length;
  let i = 0;
  let c = token.charCodeAt(0);
  if (c === 45 /* - */ || c === 43 /* + */) i = 1;
  let digits = 0;
  let dot = false;
  for (; i < n; i++) {
    c = token.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 46 /* . */ && !dot) dot = true;
    else break;
  }
  return digits > 0 ? i : -1;
}

const SIZED_RE = /^([-+]?(?:\d+\.?\d*|\.\d+))([A-Za-z]{0,3})$/;

/**
 * A number with an optional binary size suffix (`1.5G`, `400.9M`, `0.0B`, `52k`), times `unitBytes` when it
 * has no suffix (e.g. 1024 for a kB column). Returns bytes, or undefined when it is not such a token.
 */
export function parseSizedNumber(token: string, unitBytes = 1): number | undefined {
  if (plainDecimalLength(token) === token.length && token.length > 0) return plainDecimal(token) * unitBytes;
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
