/**
 * `.zip`, read with yauzl (lazyEntries, validateEntrySizes). Names are decoded here, not by yauzl,
 * because yauzl's own name check aborts the whole listing on the first unsafe name; here an unsafe
 * entry is skipped and the others are still read. Backslashes are kept (strictFileNames) so that they
 * are refused like in tar. Entries are streamed in `entries` order (a zip allows random access).
 *
 * Zip bombs: every inflated byte is counted against the entry's compressed size and the whole zip's
 * (see meter.ts); yauzl's validateEntrySizes additionally fails an entry that inflates to more than
 * its header declares. yauzl does not check CRC-32.
 */
import type { Readable } from 'node:stream';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import type { BundleEntry, EntryVisitor, ReadContext } from './types.js';
import { Listing, type ListingResult, type RawKind } from './listing.js';
import { CORRUPT, errorText } from './diagnostics.js';
import { MANIFEST_MAX_BYTES } from './manifest.js';
import { ReadMeter, deliver } from './meter.js';
import { memberChunks } from './sources.js';

export interface ZipListing extends ListingResult<Entry> {
  manifestBytes?: Buffer | 'too-big';
}

const READ_OPTIONS = { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true, strictFileNames: true };
/**
 * While listing, yauzl's size validation is off because a stored entry whose two sizes disagree would
 * abort the whole listing; `entryKind` skips just that entry instead. Reading validates sizes.
 */
const LIST_OPTIONS = { ...READ_OPTIONS, validateEntrySizes: false };

/** UTF-8 when flagged (or given by the Info-ZIP Unicode path field), else CP437, like every unzip. */
function entryName(entry: Entry): string {
  return yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true);
}

const MADE_BY_UNIX = 3;
const MADE_BY_MACOS = 19;
const MSDOS_DIRECTORY = 0x10;
const FILE_TYPE_BITS = 0o170000;
const UNIX_TYPES: Record<number, RawKind> = {
  0o120000: 'symlink',
  0o020000: 'character-device',
  0o060000: 'block-device',
  0o010000: 'fifo',
  0o140000: 'socket',
  0o040000: 'directory',
};

function entryKind(entry: Entry, name: string): { kind: RawKind; detail?: string } {
  if (name.endsWith('/')) return { kind: 'directory' };
  const madeBy = entry.versionMadeBy >> 8;
  if (madeBy === MADE_BY_UNIX || madeBy === MADE_BY_MACOS) {
    const unixType = UNIX_TYPES[(entry.externalFileAttributes >>> 16) & FILE_TYPE_BITS];
    if (unixType) return { kind: unixType };
  } else if (entry.externalFileAttributes & MSDOS_DIRECTORY) {
    return { kind: 'directory' };
  }
  if (entry.isEncrypted()) return { kind: 'unsupported', detail: 'encrypted entry' };
  if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
    return { kind: 'unsupported', detail: `zip compression method ${entry.compressionMethod} (only stored and deflate are read)` };
  }
  if (entry.compressionMethod === 0 && entry.compressedSize !== entry.uncompressedSize) {
    return { kind: 'unsupported', detail: `stored (uncompressed) entry whose size headers disagree (${entry.compressedSize} != ${entry.uncompressedSize}): corrupt or lying` };
  }
  return { kind: 'file' };
}

function corrupt(ctx: ReadContext, what: string, err: unknown, file?: string): void {
  ctx.sink.add({ severity: 'error', code: CORRUPT, message: `${ctx.archive}: ${what} (${errorText(err)})`, ...(file === undefined ? {} : { file }) });
}

export async function listZip(path: string, ctx: ReadContext): Promise<ZipListing> {
  const listing = new Listing<Entry>(ctx, true);
  let zip: ZipFile;
  try {
    zip = await yauzl.openPromise(path, LIST_OPTIONS);
  } catch (err) {
    ctx.sink.once('zip:open', {
      severity: 'error',
      code: CORRUPT,
      message: `${ctx.archive}: cannot read the zip's central directory, which sits at its end: the zip is cut or damaged (${errorText(err)})`,
    });
    return listing.finish();
  }
  let last: string | undefined;
  try {
    for await (const entry of zip.eachEntry()) {
      const name = entryName(entry);
      last = name;
      const { kind, detail } = entryKind(entry, name);
      if (!listing.add({ name, kind, size: entry.uncompressedSize, handle: entry, ...(detail ? { detail } : {}) })) break;
    }
  } catch (err) {
    corrupt(ctx, `the zip's central directory is damaged${last === undefined ? '' : ` after entry ${JSON.stringify(last)}`}; the entries before it are kept`, err);
  }
  const result: ZipListing = listing.finish();
  try {
    if (result.manifest) {
      const bytes = await readSmallEntry(zip, result.manifest).catch((err: unknown) => {
        corrupt(ctx, 'manifest.json is corrupt', err, 'manifest.json');
        return undefined;
      });
      if (bytes !== undefined) result.manifestBytes = bytes;
    }
  } finally {
    zip.close();
  }
  return result;
}

async function readSmallEntry(zip: ZipFile, entry: Entry): Promise<Buffer | 'too-big'> {
  if (entry.uncompressedSize > MANIFEST_MAX_BYTES) return 'too-big';
  const stream = await zip.openReadStreamPromise(entry);
  const parts: Buffer[] = [];
  let got = 0;
  try {
    for await (const chunk of stream) {
      parts.push(chunk as Buffer);
      got += (chunk as Buffer).length;
      if (got > MANIFEST_MAX_BYTES) return 'too-big';
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(parts);
}

/** Stream the listed entries to the visitor in `entries` order. */
export async function walkZip(path: string, entries: readonly BundleEntry[], handles: ReadonlyMap<string, Entry>, ctx: ReadContext, visit: EntryVisitor): Promise<void> {
  if (entries.length === 0) return;
  let zip: ZipFile;
  try {
    zip = await yauzl.openPromise(path, READ_OPTIONS);
  } catch (err) {
    ctx.sink.once('zip:open', { severity: 'error', code: CORRUPT, message: `${ctx.archive}: cannot open the zip again to read it (${errorText(err)})` });
    return;
  }
  const meter = new ReadMeter(ctx);
  try {
    for (const entry of entries) {
      if (meter.stopped) break;
      const zipEntry = handles.get(entry.path)!;
      let stream: Readable;
      try {
        stream = await zip.openReadStreamPromise(zipEntry);
      } catch (err) {
        corrupt(ctx, `cannot read ${JSON.stringify(entry.path)}`, err, entry.path);
        continue;
      }
      const chunks = meter.metered(entry, memberChunks(entry, stream as AsyncIterable<Buffer>, ctx), {
        compressedSize: zipEntry.compressedSize,
        onError: (err) => corrupt(ctx, `${JSON.stringify(entry.path)} is corrupt or its size header lies; what was read of it is kept`, err, entry.path),
      });
      try {
        await deliver(entry, chunks, visit);
      } finally {
        stream.destroy();
      }
    }
  } finally {
    zip.close();
  }
}
