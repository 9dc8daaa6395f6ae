/**
 * Diagnostics of the bundle stage. A hostile or broken archive can produce one problem per entry (tens
 * of thousands); the sink keeps the first ones of each code and summarizes the rest, and reports an
 * event that can recur (a cap, a stream error seen by both tar passes) only once.
 */
import type { Diagnostic } from '../common/types.js';

/** Per code, how many diagnostics are kept one by one before the rest is only counted. */
export const MAX_DIAGNOSTICS_PER_CODE = 50;

/** Codes of this stage. */
export const SKIPPED = 'archive-entry-skipped';
export const CAP = 'archive-cap';
export const CORRUPT = 'archive-corrupt';
export const UNSUPPORTED = 'archive-unsupported';
export const READ_ERROR = 'read-error';
export const MANIFEST_INVALID = 'manifest-invalid';
export const MANIFEST_FILE_MISSING = 'manifest-file-missing';

export class DiagnosticSink {
  readonly list: Diagnostic[] = [];
  private readonly kept = new Map<string, number>();
  private readonly dropped = new Map<string, number>();
  private readonly summarized = new Map<string, number>();
  private readonly onceKeys = new Set<string>();

  add(diagnostic: Diagnostic): void {
    const kept = this.kept.get(diagnostic.code) ?? 0;
    if (kept < MAX_DIAGNOSTICS_PER_CODE) {
      this.kept.set(diagnostic.code, kept + 1);
      this.list.push(diagnostic);
    } else {
      this.dropped.set(diagnostic.code, (this.dropped.get(diagnostic.code) ?? 0) + 1);
    }
  }

  /** Add `diagnostic` unless one was already added under `key`. Returns whether it was added. */
  once(key: string, diagnostic: Diagnostic): boolean {
    if (this.onceKeys.has(key)) return false;
    this.onceKeys.add(key);
    this.add(diagnostic);
    return true;
  }

  /** Append one summary per code for the diagnostics counted but not kept since the last call. */
  flush(archive: string): void {
    for (const [code, count] of this.dropped) {
      const already = this.summarized.get(code) ?? 0;
      if (count === already) continue;
      this.summarized.set(code, count);
      this.list.push({
        severity: 'info',
        code,
        message: `${archive}: ${count - already} more '${code}' diagnostics not listed one by one (the first ${MAX_DIAGNOSTICS_PER_CODE} are)`,
      });
    }
  }
}

/** `4 GiB`, `209.7 KiB`, `12 bytes`: sizes in messages. */
export function formatBytes(bytes: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  if (bytes < 1024) return `${bytes} bytes`;
  let value = bytes;
  let unit = -1;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = Number.isInteger(value) ? String(value) : value.toFixed(1);
  return `${text} ${units[unit]}`;
}

/** The message of anything thrown, for a diagnostic. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Thrown inside a byte stream when a cap is reached; carries the diagnostic that explains it. */
export class CapReached extends Error {
  constructor(
    readonly key: string,
    readonly diagnostic: Diagnostic,
  ) {
    super(diagnostic.message);
    this.name = 'CapReached';
  }
}
