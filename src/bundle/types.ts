/**
 * The vocabulary of the bundle stage: what a bundle is, its files, and the caps that keep reading an
 * untrusted archive bounded in time, memory and output. Implementation lives in the other modules of
 * this folder; `bundle.ts` is the entry point.
 */
import type { Readable } from 'node:stream';
import type { Diagnostic } from '../common/types.js';
import type { Manifest } from './manifest.js';
import type { DiagnosticSink } from './diagnostics.js';

/** How the bundle was given: a folder, a single file, stdin (a single file on stdin), or an archive. */
export type BundleKind = 'folder' | 'file' | 'stdin' | 'tar' | 'tar.gz' | 'zip';

/** One regular file of the bundle. */
export interface BundleEntry {
  /**
   * Relative to the bundle root, `/`-separated. In archives a single top-level folder shared by every
   * file is stripped, so `bundle/` and `tar czf bundle.tgz bundle/` give the same paths.
   */
  path: string;
  /** Size in bytes as the folder or archive declares it (absent when unknown: stdin, a `.gz` file). */
  size?: number;
  /**
   * A `.gz` file inside a folder or archive (`top.txt.gz`): its bytes are inflated as they are read, when
   * they are gzip data, and `size` is absent (the inflated size is not known before reading). Its path
   * keeps the `.gz`; line numbers count the inflated lines (`zcat top.txt.gz | sed -n 42p`).
   */
  compression?: 'gzip';
}

/**
 * Caps on what one bundle may make perftriage read. When one is reached the bundle keeps what was
 * read, adds an `archive-cap` diagnostic and reads nothing further.
 */
export interface BundleLimits {
  /** Most files listed; the rest of the bundle is not read. */
  maxEntries: number;
  /** Most bytes read over all files (counted as they stream, not from size headers). */
  maxTotalBytes: number;
  /** Largest single file: a bigger declared size skips the file, more real bytes cut it. */
  maxEntryBytes: number;
  /**
   * Most bytes out per byte in for compressed data: per zip entry, over the whole zip, and over the
   * gzip stream of a `.tar.gz`/`.gz`. Counted on real bytes while inflating, so a lying header cannot
   * get past it. Data that inflates to less than 1 MiB is never cut by this cap.
   */
  maxCompressionRatio: number;
}

export const GIB = 1024 * 1024 * 1024;

export const DEFAULT_LIMITS: Readonly<BundleLimits> = Object.freeze({
  maxEntries: 10_000,
  maxTotalBytes: 8 * GIB,
  maxEntryBytes: 4 * GIB,
  maxCompressionRatio: 200,
});

export interface BundleOptions extends Partial<BundleLimits> {
  /** Where `-` reads from; `process.stdin` when absent (tests pass their own stream). */
  stdin?: Readable;
}

/** Called once per file; its promise must settle before the next file is read. */
/**
 * The file being visited read again from the disk (folder bundles only), for a parser that reads two
 * parts of one big file at once (src/parsers/segments.ts). Not counted against the read caps (the file's
 * whole size was, when it was listed).
 */
export interface RangeReader {
  /** Bytes [start, end). */
  read(start: number, end: number): AsyncIterable<Buffer>;
  /** The file's local path, for a worker thread of this process to read it the same way (readRange). */
  readonly localPath: string;
}

export type EntryVisitor = (entry: BundleEntry, stream: Readable, ranges?: RangeReader) => Promise<void>;

export interface OpenedBundle {
  /** What the user named: a path, or `-` for stdin. */
  root: string;
  /** Short display name for reports: the last path segment of `root`, or `stdin`. Never a full local path. */
  name: string;
  kind: BundleKind;
  /** Regular files, sorted by path (code-unit order). `manifest.json` at the root is not among them. */
  entries: BundleEntry[];
  /** `manifest.json` at the root when it parsed as JSON and passed a structural check (see manifest.ts). */
  manifest?: Manifest;
  /** `manifest.json` as parsed JSON, even when the structural check failed: for full schema validation downstream. */
  manifestRaw?: unknown;
  /** Skipped entries, caps hit, corrupt data, manifest problems. `forEach` appends what it meets. */
  diagnostics: Diagnostic[];
  /**
   * The order `forEach` visits files: `entries` order, or `archive` order for tar and tar.gz (a tar
   * stream can only be read front to back).
   */
  order: 'entries' | 'archive';
  /**
   * Stream every file's bytes to `fn`, one at a time. The stream never emits `error`: corrupt or cut
   * data ends it early and adds a diagnostic naming the archive and the file. Bytes the visitor leaves
   * unread are skipped. Rejects only when `fn` rejects. Bundles read from stdin can be walked once.
   *
   * `concurrency` > 1 lets a folder bundle visit that many files at once (each with its own stream), for
   * parsers running in worker threads. Archives and stdin are read front to back whatever it says, and so
   * is a folder whose files could together reach the maxTotalBytes cap (which file a cap cuts must not
   * depend on timing). Diagnostics are added in `entries` order all the same.
   *
   * `chunkBytes`: bytes per read of a folder's files (default Node's 64 KiB). Larger reads make fewer
   * trips through the event loop but keep more bytes in flight: the report's excerpts, which only count
   * lines, read in 1 MiB; the parse, whose chunks wait in worker queues, keeps 64 KiB (1 MiB cost ~30 MB
   * of peak on the bench's 4 GiB bundle for no gain in time).
   */
  forEach(fn: EntryVisitor, options?: { concurrency?: number; chunkBytes?: number }): Promise<void>;
  /**
   * `forEach` may run again and reads the same bytes: a folder, or a regular file (archive or not). Not
   * stdin nor a pipe. A file whose parse worker ran out of memory is read a second time on the main thread.
   */
  rereadable: boolean;
}

/** What a reader needs from the bundle being opened. */
export interface ReadContext {
  /** Display name of the bundle, used in every diagnostic message. */
  archive: string;
  limits: BundleLimits;
  sink: DiagnosticSink;
}
