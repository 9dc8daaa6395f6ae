/**
 * A folder bundle, and a single plain file. The folder is walked recursively in name order. A symlink
 * is followed only when it resolves to a regular file inside the folder; links leaving it, links to
 * folders (cycles) and broken links are skipped. Hidden folders are not walked. Files are opened with
 * O_NOFOLLOW|O_NONBLOCK and checked to be regular files again, so a file swapped for a link or a FIFO
 * after the listing is neither followed nor blocks the read.
 */
import { constants as fsConstants, type Dirent } from 'node:fs';
import { open, readdir, realpath, stat, type FileHandle } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { BundleEntry, EntryVisitor, ReadContext } from './types.js';
import { Listing, type ListingResult, type RawKind } from './listing.js';
import { READ_ERROR, errorText } from './diagnostics.js';
import { ReadMeter, deliver } from './meter.js';
import { isHiddenSegment } from './names.js';
import { MANIFEST_MAX_BYTES } from './manifest.js';
import { memberChunks } from './sources.js';

/** Files are opened through their real path (symlinks inside the folder already resolved). */
export type FolderListing = ListingResult<string>;

function direntKind(d: Dirent): RawKind {
  if (d.isFile()) return 'file';
  if (d.isDirectory()) return 'directory';
  if (d.isSymbolicLink()) return 'symlink';
  if (d.isFIFO()) return 'fifo';
  if (d.isSocket()) return 'socket';
  if (d.isCharacterDevice()) return 'character-device';
  if (d.isBlockDevice()) return 'block-device';
  return 'unsupported';
}

function isInside(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

export async function listFolder(folder: string, ctx: ReadContext): Promise<FolderListing> {
  const root = await realpath(folder);
  const listing = new Listing<string>(ctx, false);

  const walk = async (dir: string, rel: string): Promise<boolean> => {
    let dirents: Dirent[];
    try {
      dirents = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      listing.skip(rel || '.', `cannot read this folder: ${errorText(err)}`);
      return true;
    }
    dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const d of dirents) {
      const name = rel ? `${rel}/${d.name}` : d.name;
      const path = join(dir, d.name);
      let kind = direntKind(d);
      let target = path;
      let size: number | undefined;
      if (kind === 'directory') {
        if (isHiddenSegment(d.name)) listing.noteHidden(`${name}/`);
        else if (!(await walk(path, name))) return false;
        continue;
      }
      if (kind === 'symlink') {
        const resolved = await resolveLink(path, root);
        if ('reason' in resolved) {
          listing.skip(name, resolved.reason);
          continue;
        }
        kind = 'file';
        target = resolved.target;
        size = resolved.size;
      } else if (kind === 'file') {
        try {
          size = (await stat(path)).size;
        } catch (err) {
          listing.skip(name, `cannot read it: ${errorText(err)}`);
          continue;
        }
      }
      if (!listing.add({ name, kind, size, handle: target })) return false;
    }
    return true;
  };

  await walk(root, '');
  return listing.finish();
}

async function resolveLink(link: string, root: string): Promise<{ target: string; size: number } | { reason: string }> {
  let target: string;
  try {
    target = await realpath(link);
  } catch {
    return { reason: 'symbolic link to nothing (broken link)' };
  }
  if (!isInside(target, root)) return { reason: 'symbolic link leaving the bundle folder (not followed)' };
  try {
    const st = await stat(target);
    if (st.isDirectory()) return { reason: 'symbolic link to a folder (not followed: it could loop or list files twice)' };
    if (!st.isFile()) return { reason: 'symbolic link to something that is not a regular file' };
    return { target, size: st.size };
  } catch (err) {
    return { reason: `cannot read the link target: ${errorText(err)}` };
  }
}

// O_NOFOLLOW/O_NONBLOCK are absent on Windows, where they are not needed for the same reasons.
const OPEN_FLAGS = fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0) | (fsConstants.O_NONBLOCK ?? 0);

/** Open a listed file for reading, refusing anything that is no longer a regular file. */
async function openRegular(path: string): Promise<Awaited<ReturnType<typeof open>>> {
  const handle = await open(path, OPEN_FLAGS);
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new Error('it is no longer a regular file');
    return handle;
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** Read a small file whole (the manifest), or say it is too big without reading it. */
export async function readSmallFile(path: string, max = MANIFEST_MAX_BYTES): Promise<Buffer | 'too-big'> {
  const handle = await openRegular(path);
  try {
    const { size } = await handle.stat();
    if (size > max) return 'too-big';
    const buf = Buffer.alloc(size);
    const { bytesRead } = await handle.read(buf, 0, size, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * Stream listed files from disk: in `entries` order, or `concurrency` at a time (each visit gets its own
 * stream; the diagnostics of the walk are put back in `entries` order at the end, so the result does not
 * depend on which file finished first).
 */
export async function walkFiles(entries: readonly BundleEntry[], handles: ReadonlyMap<string, string>, ctx: ReadContext, visit: EntryVisitor, concurrency = 1, chunkBytes?: number): Promise<void> {
  const meter = new ReadMeter(ctx);
  if (concurrency <= 1) {
    for (const entry of entries) {
      if (meter.stopped) break;
      await walkOne(entry, handles, ctx, meter, visit, chunkBytes);
    }
    return;
  }
  const before = ctx.sink.list.length;
  // Biggest files first (longest-processing-time scheduling): a big trace started last would keep one
  // lane busy long after the others are done. Ties keep `entries` order, so the schedule is deterministic.
  const queue = entries.map((e, k) => ({ e, k })).sort((a, b) => (b.e.size ?? 0) - (a.e.size ?? 0) || a.k - b.k).map((x) => x.e);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < queue.length && !meter.stopped) await walkOne(queue[next++]!, handles, ctx, meter, visit, chunkBytes);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, entries.length) }, lane));
  const rank = new Map(entries.map((e, k) => [e.path, k]));
  const added = ctx.sink.list.splice(before).map((d, k) => ({ d, k }));
  added.sort((a, b) => (rank.get(a.d.file ?? '') ?? -1) - (rank.get(b.d.file ?? '') ?? -1) || a.k - b.k);
  ctx.sink.list.push(...added.map((x) => x.d));
}

/** Bytes [start, end) of a listed file, through a handle of their own (RangeReader), refusing what is no longer a regular file. */
export async function* readRange(path: string, start: number, end: number): AsyncGenerator<Buffer> {
  if (end <= start) return;
  const handle = await openRegular(path);
  try {
    yield* readAhead(handle, start, end, READ_AHEAD_BYTES);
  } finally {
    await handle.close();
  }
}

/**
 * Bytes per read of a local file. A parser keeps the main thread busy, so the next read is issued
 * before a chunk is handed on (readAhead): the disk or page cache works while the chunk is parsed. At
 * 64 KiB (Node's stream default) the parse of a 200 MB strace file spent ~6 % of its time idle, waiting
 * for reads; larger chunks also mean fewer lines cut at a chunk's end.
 */
export const READ_AHEAD_BYTES = 1024 * 1024;

/**
 * The bytes [start, end) of an open file, in chunks of `chunkBytes`, with the next chunk's read in
 * flight while the consumer works on the current one. Stops early at the end of a file that shrank.
 * Each chunk is a buffer of its own (a consumer may keep it). The handle stays open: the caller closes it,
 * after this generator has finished (its `finally` waits for the read in flight).
 */
export async function* readAhead(handle: FileHandle, start: number, end: number, chunkBytes: number): AsyncGenerator<Buffer> {
  const readAt = async (at: number): Promise<Buffer> => {
    const want = Math.min(chunkBytes, end - at);
    const buf = Buffer.allocUnsafe(want);
    const { bytesRead } = await handle.read(buf, 0, want, at);
    return bytesRead === want ? buf : buf.subarray(0, bytesRead);
  };
  // Each read is marked handled when issued: a consumer that stops early never awaits the last one.
  const issue = (at: number): Promise<Buffer> => {
    const read = readAt(at);
    read.catch(() => undefined);
    return read;
  };
  let next: Promise<Buffer> | undefined = start < end ? issue(start) : undefined;
  try {
    let pos = start;
    while (next !== undefined) {
      const chunk: Buffer = await next;
      next = undefined;
      if (chunk.length === 0) return;
      pos += chunk.length;
      if (pos < end) next = issue(pos);
      yield chunk;
    }
  } finally {
    // A consumer that stopped early leaves a read in flight: let it settle before the handle is closed.
    if (next !== undefined) await next.catch(() => undefined);
  }
}

async function walkOne(entry: BundleEntry, handles: ReadonlyMap<string, string>, ctx: ReadContext, meter: ReadMeter, visit: EntryVisitor, chunkBytes: number | undefined): Promise<void> {
  const path = handles.get(entry.path)!;
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await openRegular(path);
  } catch (err) {
    ctx.sink.add({ severity: 'error', code: READ_ERROR, message: `${ctx.archive}: cannot open ${JSON.stringify(entry.path)}: ${errorText(err)}`, file: entry.path });
    return;
  }
  // Read as listed: a file still being written is read up to the size it had then, as its parse worker
  // reads it (RangeReader), so the bytes read do not depend on --jobs.
  const listed = entry.size;
  const stream = listed === 0 ? noChunks() : readAhead(handle, 0, listed ?? Number.POSITIVE_INFINITY, chunkBytes ?? READ_AHEAD_BYTES);
  const chunks = meter.metered(entry, memberChunks(entry, stream, ctx), {
    onError: (err) =>
      ctx.sink.add({ severity: 'error', code: READ_ERROR, message: `${ctx.archive}: reading ${JSON.stringify(entry.path)} stopped: ${errorText(err)}`, file: entry.path }),
  });
  try {
    // A .gz file is read through its inflater only: no ranges of its bytes for a worker or a split.
    await deliver(entry, chunks, visit, entry.compression ? undefined : { read: (start, end) => readRange(path, start, end), localPath: path });
  } finally {
    await handle.close();
  }
}

async function* noChunks(): AsyncGenerator<Buffer> {}
