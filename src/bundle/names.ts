/**
 * Entry names of an untrusted archive: which are safe to use as bundle paths, which are hidden, which
 * are archives themselves. Pure functions on strings; nothing here touches the file system.
 */

export type NameVerdict = { ok: true; segments: string[] } | { ok: false; reason: string };

const WINDOWS_DRIVE = /^[A-Za-z]:/;

/**
 * Accept a relative `/`-separated name and split it, dropping empty and `.` segments (`./a//b` → `a/b`).
 * Refuse what could name something outside the bundle or be read differently on another system:
 * absolute paths, `..` segments, Windows drive paths, backslashes, NUL bytes.
 */
export function checkEntryName(name: string): NameVerdict {
  if (name.includes('\0')) return { ok: false, reason: 'the name holds a NUL byte' };
  if (name.includes('\\')) return { ok: false, reason: 'backslash in the name (a Windows path, or an attempt to hide a ..)' };
  if (WINDOWS_DRIVE.test(name)) return { ok: false, reason: 'Windows drive path' };
  if (name.startsWith('/')) return { ok: false, reason: 'absolute path' };
  const segments = name.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) return { ok: false, reason: "'..' in the path would leave the bundle" };
  if (segments.length === 0) return { ok: false, reason: 'empty name' };
  return { ok: true, segments };
}

/** `.DS_Store`, `.git`, `._foo` (macOS resource forks). */
export function isHiddenSegment(segment: string): boolean {
  return segment.startsWith('.');
}

/** macOS Archive Utility puts resource forks under this top-level folder of a zip. */
export const MACOS_FORK_FOLDER = '__MACOSX';

const ARCHIVE_SUFFIX = /\.(?:tar|tgz|taz|tbz|tbz2|txz|tzst|tlz|zip|jar|gz|bz2|xz|zst|lz|lz4|lzma|z|7z|rar|cpio|ar|deb|rpm)$/i;

/** A file that is itself an archive or compressed (by its name): bundles inside bundles are not opened. */
export function isArchiveName(segment: string): boolean {
  return ARCHIVE_SUFFIX.test(segment);
}

/** Compressors of single files, by suffix, with the command that undoes them. */
const SINGLE_FILE_COMPRESSORS: [RegExp, string][] = [
  [/\.xz$/i, 'xz -d'],
  [/\.lzma$/i, 'unlzma'],
  [/\.bz2$/i, 'bzip2 -d'],
  [/\.zst$/i, 'zstd -d'],
  [/\.lz4$/i, 'lz4 -d'],
  [/\.lz$/i, 'lzip -d'],
  [/\.z$/i, 'uncompress'],
];

/**
 * Why an archive or compressed file inside the bundle is not read, and what to do: a single file
 * compressed otherwise than with gzip is decompressed in place; an archive is extracted.
 */
export function nestedArchiveReason(segment: string): string {
  const tarLike = /\.(?:tar(?:\.[a-z0-9]+)?|t[a-z]z2?|tzst|tlz)$/i.test(segment);
  const compressor = tarLike ? undefined : SINGLE_FILE_COMPRESSORS.find(([suffix]) => suffix.test(segment))?.[1];
  if (compressor) return `compressed otherwise than with gzip, which is the only compression read inside a bundle: decompress it there (\`${compressor}\`) or gzip it instead`;
  return 'an archive inside the bundle is not opened: extract it into the bundle';
}

/**
 * One gzip-compressed file (`top.txt.gz`, what `gzip` and logrotate leave), read inflated. Not a
 * `.tar.gz`: a bundle inside the bundle stays unopened.
 */
export function isGzipFileName(segment: string): boolean {
  return /\.gz$/i.test(segment) && !/\.tar\.gz$/i.test(segment);
}

/** Code-unit order: the same on every machine and locale. */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The last segment of a path given by the user (`/tmp/cap.tgz/` → `cap.tgz`), for display. */
export function displayName(path: string): string {
  const parts = path.split(/[\\/]+/).filter((p) => p !== '');
  return parts.at(-1) ?? path;
}
