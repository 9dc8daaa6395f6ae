/**
 * The rules every reader (folder, tar, zip) applies to the entries it meets, in the order it meets them:
 * which are skipped and why, when a cap stops the listing, which top folder is stripped, which entry is
 * the manifest, which copy of a duplicated path is read. A reader only says what it saw.
 */
import type { BundleEntry, ReadContext } from './types.js';
import { CAP, SKIPPED, formatBytes } from './diagnostics.js';
import { MACOS_FORK_FOLDER, checkEntryName, comparePaths, isArchiveName, isGzipFileName, isHiddenSegment, nestedArchiveReason } from './names.js';

export type RawKind =
  | 'file'
  | 'directory'
  | 'symlink'
  | 'hardlink'
  | 'character-device'
  | 'block-device'
  | 'fifo'
  | 'socket'
  | 'unsupported';

export interface RawEntry<H> {
  /** The name as the archive or folder spells it (`/`-separated). */
  name: string;
  kind: RawKind;
  size?: number;
  /** How the reader finds this entry again (an ordinal, a zip directory entry, a file path). */
  handle: H;
  /** For `unsupported`: what it is (`tar entry type SparseFile`, `zip compression method 12`). */
  detail?: string;
}

const KIND_REASON: Record<Exclude<RawKind, 'file' | 'directory' | 'unsupported'>, string> = {
  symlink: 'symbolic link (links are not followed out of an archive)',
  hardlink: 'hard link (links are not followed)',
  'character-device': 'character device',
  'block-device': 'block device',
  fifo: 'FIFO (named pipe)',
  socket: 'socket',
};

export const MANIFEST_NAME = 'manifest.json';

interface Kept<H> {
  segments: string[];
  size?: number;
  handle: H;
  gzip: boolean;
}

export interface ListingResult<H> {
  entries: BundleEntry[];
  handles: Map<string, H>;
  /** The entry that is `manifest.json` at the bundle root (not in `entries`). */
  manifest?: H;
}

export class Listing<H> {
  private readonly kept: Kept<H>[] = [];
  private declaredBytes = 0;
  private capped = false;
  /** First segment of the first kept entry when it is in a folder: the only folder that can be stripped. */
  private firstTop: string | null | undefined;
  private readonly hiddenNames: string[] = [];
  private hiddenCount = 0;

  /**
   * @param stripTop archives strip a single top folder shared by all files; a folder bundle is its own
   *   top (stripping there would make `bundle/` and `tar czf b.tgz bundle/` differ when `bundle/` holds one folder).
   */
  constructor(
    private readonly ctx: ReadContext,
    private readonly stripTop: boolean,
  ) {}

  /** True once a cap stopped the listing: the reader should read no further. */
  get stopped(): boolean {
    return this.capped;
  }

  /** Consider one entry. Returns false when a cap was reached: read nothing further. */
  add(raw: RawEntry<H>): boolean {
    if (this.capped) return false;
    // Folders are implied by their files' paths and never created, so even an unsafe folder name is
    // harmless (`./` is the usual top entry of `tar -C dir .`). A name ending in '/' is a folder in every format.
    if (raw.kind === 'directory' || raw.name.endsWith('/')) return true;
    const verdict = checkEntryName(raw.name);
    if (!verdict.ok) {
      this.skip(raw.name, verdict.reason);
      return true;
    }
    const segments = verdict.segments;
    if (raw.kind === 'unsupported') {
      this.skip(raw.name, raw.detail ?? 'unsupported entry type');
      return true;
    }
    if (raw.kind !== 'file') {
      this.skip(raw.name, KIND_REASON[raw.kind]);
      return true;
    }
    if (this.hiddenWhateverIsStripped(segments)) {
      this.noteHidden(raw.name);
      return true;
    }
    const last = segments[segments.length - 1]!;
    const gzip = isGzipFileName(last);
    if (!gzip && isArchiveName(last)) {
      this.skip(raw.name, nestedArchiveReason(last));
      return true;
    }
    const { maxEntries, maxEntryBytes, maxTotalBytes } = this.ctx.limits;
    if (raw.size !== undefined && raw.size > maxEntryBytes) {
      this.ctx.sink.add({
        severity: 'warning',
        code: CAP,
        message: `${this.ctx.archive}: skipped ${JSON.stringify(raw.name)}: ${formatBytes(raw.size)} is over the ${formatBytes(maxEntryBytes)} cap for one file`,
        file: raw.name,
      });
      return true;
    }
    if (this.kept.length >= maxEntries) {
      return this.stop(`holds more than ${maxEntries} files; listing stopped before ${JSON.stringify(raw.name)} and nothing after it is read`);
    }
    const size = raw.size ?? 0;
    if (this.declaredBytes + size > maxTotalBytes) {
      return this.stop(`its files add up to more than the ${formatBytes(maxTotalBytes)} cap; listing stopped before ${JSON.stringify(raw.name)} and nothing after it is read`);
    }
    this.declaredBytes += size;
    if (this.firstTop === undefined) this.firstTop = segments.length >= 2 ? segments[0]! : null;
    this.kept.push({ segments, size: raw.size, handle: raw.handle, gzip });
    return true;
  }

  /** Record an entry the reader itself refused (a symlink leaving the folder, an unreadable folder). */
  skip(name: string, reason: string): void {
    this.ctx.sink.add({ severity: 'warning', code: SKIPPED, message: `${this.ctx.archive}: skipped ${JSON.stringify(name)}: ${reason}`, file: name });
  }

  /** Record a hidden entry or a hidden folder not walked; reported as one summary. */
  noteHidden(name: string): void {
    this.hiddenCount++;
    if (this.hiddenNames.length < 5) this.hiddenNames.push(name);
  }

  /**
   * Could this entry end up as `manifest.json` at the bundle root? Asked by the tar reader right after
   * `add`, because a tar must keep the manifest's bytes while it streams past them.
   */
  maybeManifest(name: string): boolean {
    const verdict = checkEntryName(name);
    if (!verdict.ok) return false;
    const s = verdict.segments;
    if (s.length === 1) return s[0] === MANIFEST_NAME;
    return this.stripTop && s.length === 2 && s[1] === MANIFEST_NAME && s[0] === this.firstTop;
  }

  finish(): ListingResult<H> {
    const strip = this.stripTop ? this.commonTop() : null;
    const byPath = new Map<string, Kept<H>>();
    for (const k of this.kept) {
      const segments = strip === null ? k.segments : k.segments.slice(1);
      const path = segments.join('/');
      if (segments.some(isHiddenSegment)) {
        this.noteHidden(k.segments.join('/'));
        continue;
      }
      if (byPath.has(path)) {
        // tar appends updated copies of a file; the later one is what `tar x` leaves on disk.
        this.ctx.sink.add({
          severity: 'info',
          code: SKIPPED,
          message: `${this.ctx.archive}: ${JSON.stringify(path)} appears more than once; the last copy is read`,
          file: path,
        });
        byPath.delete(path);
      }
      byPath.set(path, k);
    }
    if (this.hiddenCount > 0) {
      this.ctx.sink.add({
        severity: 'info',
        code: SKIPPED,
        message: `${this.ctx.archive}: skipped ${this.hiddenCount} hidden ${this.hiddenCount === 1 ? 'entry' : 'entries'} (${this.hiddenNames.map((n) => JSON.stringify(n)).join(', ')}${this.hiddenCount > this.hiddenNames.length ? ', …' : ''})`,
      });
    }
    const manifest = byPath.get(MANIFEST_NAME);
    byPath.delete(MANIFEST_NAME);
    const handles = new Map<string, H>();
    const entries: BundleEntry[] = [];
    for (const path of [...byPath.keys()].sort(comparePaths)) {
      const k = byPath.get(path)!;
      handles.set(path, k.handle);
      // A .gz file's declared size is its compressed one: the caps counted it; what it inflates to is counted as it is read.
      entries.push(k.gzip ? { path, compression: 'gzip' } : k.size === undefined ? { path } : { path, size: k.size });
    }
    return manifest ? { entries, handles, manifest: manifest.handle } : { entries, handles };
  }

  private stop(why: string): false {
    this.capped = true;
    this.ctx.sink.add({ severity: 'warning', code: CAP, message: `${this.ctx.archive}: ${why}` });
    return false;
  }

  /**
   * Hidden however the top folder is stripped: a hidden segment below the top, a hidden top-level file,
   * or (for folders, which strip nothing) any hidden segment. A hidden top folder of an archive is
   * decided in `finish`, once we know whether it is the stripped one.
   */
  private hiddenWhateverIsStripped(segments: string[]): boolean {
    if (segments[0] === MACOS_FORK_FOLDER) return true;
    if (!this.stripTop || segments.length === 1) return segments.some(isHiddenSegment);
    return segments.slice(1).some(isHiddenSegment);
  }

  /** The folder every kept file is in, when there is exactly one. */
  private commonTop(): string | null {
    const top = this.firstTop;
    if (!top) return null;
    for (const k of this.kept) if (k.segments.length < 2 || k.segments[0] !== top) return null;
    return top;
  }
}
