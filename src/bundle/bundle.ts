/**
 * Open a capture bundle, whatever shape it came in: a folder, a single file, `-` (stdin), a `.tar`,
 * `.tar.gz`/`.tgz` or `.zip`. The shape is decided by magic bytes, never by the name alone. The result
 * lists the bundle's regular files and streams them one at a time; nothing is extracted to disk.
 *
 * An archive is untrusted input: unsafe names, links and devices are skipped with a diagnostic, caps
 * (BundleLimits) bound what it can make us read, and corrupt data ends in a diagnostic, never in an
 * exception. openBundle throws only when the path itself cannot be opened (BundleOpenError).
 * docs/bundle.md has the full rules.
 */
import { createReadStream, statSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { Diagnostic } from '../common/types.js';
import { DEFAULT_LIMITS, type BundleEntry, type BundleKind, type BundleLimits, type BundleOptions, type EntryVisitor, type OpenedBundle, type ReadContext } from './types.js';
import { CAP, CORRUPT, DiagnosticSink, MANIFEST_FILE_MISSING, READ_ERROR, UNSUPPORTED, errorText, formatBytes } from './diagnostics.js';
import { displayName } from './names.js';
import { readManifest, type Manifest } from './manifest.js';
import { listFolder, readSmallFile, walkFiles } from './folder.js';
import { ReadMeter, deliver } from './meter.js';
import { HEAD_BYTES, TAR_BLOCK, fileChunks, gunzipChunks, inflatedHead, readHead, sniffMagic, spool, withHead, type Magic } from './sources.js';

export type { BundleEntry, BundleKind, BundleLimits, BundleOptions, EntryVisitor, OpenedBundle, RangeReader } from './types.js';
export { DEFAULT_LIMITS } from './types.js';
export { readRange } from './folder.js';
export type { Manifest, ManifestFile } from './manifest.js';

/** The path given cannot be opened at all (missing, unreadable, not a file, folder or pipe). */
export class BundleOpenError extends Error {
  override name = 'BundleOpenError';
}

/** What a reader hands back: the listing, the manifest's bytes, and how to walk the files. */
interface Parts {
  kind: BundleKind;
  entries: BundleEntry[];
  manifestBytes?: Buffer | 'too-big';
  order: OpenedBundle['order'];
  /** `concurrency`: files visited at once, where the reader allows it (folders). */
  walk(visit: EntryVisitor, concurrency?: number, chunkBytes?: number): Promise<void>;
}

/**
 * Whether a bundle path reads the same bytes every time it is walked: a folder or a regular file, not
 * stdin (`-`) nor a pipe. (A file whose parse worker runs out of memory is read again.)
 */
export function isRereadable(pathOrDash: string): boolean {
  if (pathOrDash === '-') return false;
  try {
    return rereadableStat(statSync(pathOrDash));
  } catch {
    return false;
  }
}

function rereadableStat(st: { isDirectory(): boolean; isFile(): boolean }): boolean {
  return st.isDirectory() || st.isFile();
}

export async function openBundle(pathOrDash: string, options: BundleOptions = {}): Promise<OpenedBundle> {
  const limits = resolveLimits(options);
  const sink = new DiagnosticSink();
  const stdin = pathOrDash === '-';
  const name = stdin ? 'stdin' : displayName(pathOrDash);
  const ctx: ReadContext = { archive: name, limits, sink };

  let parts: Parts;
  let rereadable = false;
  if (stdin) {
    parts = await openStream(options.stdin ?? process.stdin, 'stdin', ctx);
  } else {
    const st = await stat(pathOrDash).catch((err: unknown) => {
      throw new BundleOpenError(`${pathOrDash}: ${openErrorText(err)}`);
    });
    rereadable = rereadableStat(st);
    if (st.isDirectory()) parts = await openFolder(pathOrDash, ctx);
    else if (st.isFile()) parts = await openFile(pathOrDash, st.size, ctx);
    else if (st.isFIFO() || st.isSocket()) parts = await openStream(createReadStream(pathOrDash), 'file', ctx);
    else throw new BundleOpenError(`${pathOrDash}: neither a file, a folder nor a pipe`);
  }

  const bundle: OpenedBundle = {
    root: pathOrDash,
    name,
    kind: parts.kind,
    entries: parts.entries,
    diagnostics: sink.list,
    order: parts.order,
    rereadable,
    forEach: async (fn, options) => {
      try {
        await parts.walk(fn, Math.max(1, Math.floor(options?.concurrency ?? 1)), options?.chunkBytes);
      } finally {
        sink.flush(name);
      }
    },
  };
  if (parts.manifestBytes !== undefined) {
    const reading = readManifest(parts.manifestBytes, name);
    for (const d of reading.diagnostics) sink.add(d);
    if (reading.raw !== undefined) bundle.manifestRaw = reading.raw;
    if (reading.manifest) {
      bundle.manifest = withGzippedPaths(reading.manifest, parts.entries);
      for (const d of missingManifestFiles(bundle.manifest.files, parts.entries, name)) sink.add(d);
    }
  }
  sink.flush(name);
  return bundle;
}

/**
 * Files read at once: as asked, unless the declared sizes could together reach the total cap — then one
 * at a time, so that the file the cap cuts is always the same one.
 */
function safeConcurrency(entries: readonly BundleEntry[], caps: BundleLimits, asked: number): number {
  if (asked <= 1) return 1;
  const declared = entries.reduce((n, e) => n + (e.size ?? Infinity), 0);
  return declared <= caps.maxTotalBytes ? asked : 1;
}

function resolveLimits(options: Partial<BundleLimits>): BundleLimits {
  const limits: BundleLimits = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof BundleLimits)[]) {
    const value = options[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) throw new RangeError(`bundle limit ${key} must be a positive number (got ${String(value)})`);
    limits[key] = value;
  }
  return limits;
}

function openErrorText(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file or folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return errorText(err);
}

/**
 * A manifest written before its files were gzipped names `top.txt` for what is now `top.txt.gz`: the
 * entry takes the manifest's tool, command and times all the same (when there is no plain `top.txt`).
 */
function withGzippedPaths(manifest: Manifest, entries: readonly BundleEntry[]): Manifest {
  const paths = new Set(entries.map((e) => e.path));
  const gzipped = new Set(entries.filter((e) => e.compression === 'gzip').map((e) => e.path));
  if (gzipped.size === 0) return manifest;
  const files = manifest.files.map((f) => (!paths.has(f.path) && gzipped.has(`${f.path}.gz`) ? { ...f, path: `${f.path}.gz` } : f));
  return { ...manifest, files };
}

function missingManifestFiles(files: readonly { path: string }[], entries: readonly BundleEntry[], name: string): Diagnostic[] {
  const present = new Set(entries.map((e) => e.path));
  return files
    .filter((f) => !present.has(f.path))
    .map((f) => ({
      severity: 'warning' as const,
      code: MANIFEST_FILE_MISSING,
      message: `${name}: manifest.json lists ${JSON.stringify(f.path)}, which is not among the bundle's files`,
      file: 'manifest.json',
    }));
}

async function openFolder(path: string, ctx: ReadContext): Promise<Parts> {
  const listing = await listFolder(path, ctx);
  const parts: Parts = { kind: 'folder', entries: listing.entries, order: 'entries', walk: (visit, concurrency = 1, chunkBytes) => walkFiles(listing.entries, listing.handles, ctx, visit, safeConcurrency(listing.entries, ctx.limits, concurrency), chunkBytes) };
  if (listing.manifest !== undefined) {
    try {
      parts.manifestBytes = await readSmallFile(listing.manifest);
    } catch (err) {
      ctx.sink.add({ severity: 'error', code: READ_ERROR, message: `${ctx.archive}: cannot read manifest.json: ${errorText(err)}`, file: 'manifest.json' });
    }
  }
  return parts;
}

async function readFileHead(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buf, 0, HEAD_BYTES, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function openFile(path: string, size: number, ctx: ReadContext): Promise<Parts> {
  const head = await readFileHead(path).catch((err: unknown) => {
    throw new BundleOpenError(`${path}: ${openErrorText(err)}`);
  });
  const magic = sniffMagic(head, path);
  if (magic === 'zip') return zipParts(path, ctx);
  if (magic === 'tar') return tarParts(path, false, ctx);
  if (magic === 'gzip') {
    if (sniffMagic(await inflatedHead(head), path) === 'tar') return tarParts(path, true, ctx);
    return gzipFileParts(ctx.archive.replace(/\.gz$/i, '') || ctx.archive, 'file', ctx, () => fileChunks(path, true, ctx, JSON.stringify(ctx.archive)));
  }
  if (magic !== 'plain') return unsupportedParts(magic, 'file', ctx);
  const entry: BundleEntry = { path: ctx.archive, size };
  if (size > ctx.limits.maxEntryBytes || size > ctx.limits.maxTotalBytes) {
    const cap = Math.min(ctx.limits.maxEntryBytes, ctx.limits.maxTotalBytes);
    ctx.sink.add({ severity: 'warning', code: CAP, message: `${ctx.archive}: ${formatBytes(size)} is over the ${formatBytes(cap)} cap for one file; not read`, file: ctx.archive });
    return { kind: 'file', entries: [], order: 'entries', walk: async () => {} };
  }
  return { kind: 'file', entries: [entry], order: 'entries', walk: (visit) => walkFiles([entry], new Map([[entry.path, path]]), ctx, visit, 1) };
}

// The archive readers (and their libraries) are loaded for archives only: a folder bundle's parse
// workers, which import this module, start ~20 ms sooner without them.
async function tarParts(path: string, gzip: boolean, ctx: ReadContext): Promise<Parts> {
  const { listTar, walkTar } = await import('./tar.js');
  const listing = await listTar(path, gzip, ctx);
  const byOrdinal = new Map<number, BundleEntry>();
  for (const entry of listing.entries) byOrdinal.set(listing.handles.get(entry.path)!, entry);
  const parts: Parts = { kind: gzip ? 'tar.gz' : 'tar', entries: listing.entries, order: 'archive', walk: (visit) => walkTar(path, gzip, byOrdinal, ctx, visit) };
  if (listing.manifestBytes !== undefined) parts.manifestBytes = listing.manifestBytes;
  return parts;
}

async function zipParts(path: string, ctx: ReadContext): Promise<Parts> {
  const { listZip, walkZip } = await import('./zip.js');
  const listing = await listZip(path, ctx);
  const parts: Parts = { kind: 'zip', entries: listing.entries, order: 'entries', walk: (visit) => walkZip(path, listing.entries, listing.handles, ctx, visit) };
  if (listing.manifestBytes !== undefined) parts.manifestBytes = listing.manifestBytes;
  return parts;
}

const DECOMPRESS_HINT: Partial<Record<Magic, string>> = {
  xz: 'xz -d',
  bzip2: 'bzip2 -d',
  zstd: 'zstd -d',
  '7z': '7z x',
  rar: 'unrar x',
};

function unsupportedParts(magic: Magic, kind: BundleKind, ctx: ReadContext): Parts {
  ctx.sink.add({
    severity: 'error',
    code: UNSUPPORTED,
    message: `${ctx.archive} is ${magic} data, which perftriage does not read; decompress or extract it first (${DECOMPRESS_HINT[magic] ?? 'with its tool'}) and pass the result`,
  });
  return { kind, entries: [], order: 'entries', walk: async () => {} };
}

/** A single gzip-compressed file (not a tar): one entry, inflated while streaming. */
function gzipFileParts(entryPath: string, kind: BundleKind, ctx: ReadContext, chunks: () => AsyncIterable<Buffer>): Parts {
  const entry: BundleEntry = { path: entryPath };
  return { kind, entries: [entry], order: 'entries', walk: (visit) => streamOne(entry, chunks(), ctx, visit, CORRUPT) };
}

async function streamOne(entry: BundleEntry, chunks: AsyncIterable<Buffer>, ctx: ReadContext, visit: EntryVisitor, errorCode: string): Promise<void> {
  const meter = new ReadMeter(ctx);
  const metered = meter.metered(entry, chunks, {
    onError: (err) => ctx.sink.add({ severity: 'error', code: errorCode, message: `${ctx.archive}: reading ${JSON.stringify(entry.path)} stopped: ${errorText(err)}`, file: entry.path }),
  });
  await deliver(entry, metered, visit);
}

/** Make a walk callable once (a stream cannot be read twice), running `cleanup` after it. */
function walkOnce(walk: (visit: EntryVisitor) => Promise<void>, cleanup?: () => Promise<void>): (visit: EntryVisitor) => Promise<void> {
  let walked = false;
  return async (visit) => {
    if (walked) throw new Error('a bundle read from stdin or a pipe can be walked only once');
    walked = true;
    try {
      await walk(visit);
    } finally {
      await cleanup?.();
    }
  };
}

/**
 * stdin or a named pipe. A plain or gzip single file streams straight through; a tar or zip is first
 * copied to a private temporary file (see `spool`), since it needs two passes or random access.
 */
async function openStream(source: Readable, plainKind: 'stdin' | 'file', ctx: ReadContext): Promise<Parts> {
  // Wait for no more than one tar block (a live pipe may be slow), more only for gzip to see inside it.
  let head: Buffer = Buffer.alloc(0);
  let ended = false;
  let inner: Buffer = Buffer.alloc(0);
  try {
    ({ head, ended } = await readHead(source, TAR_BLOCK));
    while (sniffMagic(head, '') === 'gzip' && (inner = await inflatedHead(head)).length < TAR_BLOCK && !ended && head.length < HEAD_BYTES) {
      const more = await readHead(source, TAR_BLOCK);
      head = Buffer.concat([head, more.head]);
      ended = more.ended;
    }
  } catch (err) {
    ctx.sink.add({ severity: 'error', code: READ_ERROR, message: `${ctx.archive}: cannot read: ${errorText(err)}` });
    return { kind: plainKind, entries: [], order: 'entries', walk: async () => {} };
  }
  const rest = (): AsyncIterable<Buffer> => withHead(head, source, ended);
  let magic = sniffMagic(head, '');
  let gzip = false;
  if (magic === 'gzip') {
    gzip = true;
    if (sniffMagic(inner, '') !== 'tar') {
      const parts = gzipFileParts(ctx.archive, plainKind, ctx, () => gunzipChunks(Readable.from(rest()), ctx, JSON.stringify(ctx.archive)));
      return { ...parts, walk: walkOnce(parts.walk) };
    }
    magic = 'tar';
  }
  if (magic === 'zip' || magic === 'tar') {
    const copy = await spool(rest(), ctx);
    try {
      const parts = magic === 'zip' ? await zipParts(copy.path, ctx) : await tarParts(copy.path, gzip, ctx);
      return { ...parts, walk: walkOnce(parts.walk, copy.remove) };
    } catch (err) {
      await copy.remove();
      throw err;
    }
  }
  if (magic !== 'plain') return unsupportedParts(magic, plainKind, ctx);
  const entry: BundleEntry = { path: ctx.archive };
  return { kind: plainKind, entries: [entry], order: 'entries', walk: walkOnce((visit) => streamOne(entry, rest(), ctx, visit, READ_ERROR)) };
}
