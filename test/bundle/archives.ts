/**
 * Archive writers for the bundle tests: archives are built in memory by the tests themselves (no
 * committed binaries, no system zip/tar), including malicious ones no well-behaved tool would write.
 */
import { crc32, createDeflateRaw, deflateRawSync } from 'node:zlib';
import { Header, type HeaderData } from 'tar';

// ---------- zip ----------

export interface ZipSpec {
  /** Name bytes are UTF-8 (flag bit 11 set) unless `rawName` is given. */
  name: string;
  rawName?: Buffer;
  utf8Flag?: boolean;
  data?: Buffer;
  method?: 'store' | 'deflate';
  /** Already deflated data (for bombs built by streaming), with the true size and CRC. */
  deflated?: { data: Buffer; size: number; crc: number };
  /** Override the uncompressed size written in both headers (a lying header). */
  declaredSize?: number;
  /** Unix mode including file type bits (0o120777 for a symlink); makes the entry "made by Unix". */
  unixMode?: number;
  encrypted?: boolean;
  compressionMethod?: number;
}

const UNIX = 3;

/** A zip archive (no zip64, fewer than 65536 entries) built exactly as specified. */
export function zipArchive(specs: readonly ZipSpec[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const spec of specs) {
    const name = spec.rawName ?? Buffer.from(spec.name, 'utf8');
    const data = spec.data ?? Buffer.alloc(0);
    const method = spec.compressionMethod ?? (spec.deflated || spec.method === 'deflate' ? 8 : 0);
    const payload = spec.deflated ? spec.deflated.data : method === 8 ? deflateRawSync(data) : data;
    const size = spec.declaredSize ?? (spec.deflated ? spec.deflated.size : data.length);
    const crc = spec.deflated ? spec.deflated.crc : crc32(data);
    const utf8 = spec.utf8Flag ?? spec.rawName === undefined;
    const flags = (utf8 ? 0x800 : 0) | (spec.encrypted ? 0x1 : 0);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(0x21, 12); // 1980-01-01
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(payload.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, payload);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(spec.unixMode !== undefined ? (UNIX << 8) | 20 : 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(payload.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(spec.unixMode !== undefined ? (spec.unixMode << 16) >>> 0 : 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + payload.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(specs.length, 8);
  end.writeUInt16LE(specs.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** `megabytes` MiB of zeros deflated by streaming (never held whole): a classic zip bomb payload. */
export async function deflatedZeros(megabytes: number): Promise<{ data: Buffer; size: number; crc: number }> {
  const mib = Buffer.alloc(1024 * 1024);
  const deflate = createDeflateRaw({ level: 9 });
  const parts: Buffer[] = [];
  deflate.on('data', (c: Buffer) => parts.push(c));
  const done = new Promise((resolve, reject) => {
    deflate.on('end', resolve);
    deflate.on('error', reject);
  });
  let crc = 0;
  for (let i = 0; i < megabytes; i++) {
    crc = crc32(mib, crc);
    if (!deflate.write(mib)) await new Promise((r) => deflate.once('drain', r));
  }
  deflate.end();
  await done;
  return { data: Buffer.concat(parts), size: megabytes * mib.length, crc };
}

// ---------- tar ----------

export interface TarSpec extends HeaderData {
  path: string;
  data?: Buffer;
}

/** A tar header block for an entry of `size` bytes. */
export function tarHeader(fields: HeaderData & { path: string }, size: number): Buffer {
  const header = new Header({ mode: 0o644, uid: 0, gid: 0, mtime: new Date(0), type: 'File', ...fields, size });
  const block = Buffer.alloc(512);
  header.encode(block, 0);
  return block;
}

/** One tar entry (header block, data padded to 512). */
export function tarEntry(spec: TarSpec): Buffer {
  const data = spec.data ?? Buffer.alloc(0);
  const { data: _data, ...fields } = spec;
  const block = tarHeader(fields, data.length);
  const padded = Buffer.alloc(Math.ceil(data.length / 512) * 512);
  data.copy(padded);
  return Buffer.concat([block, padded]);
}

/** A tar archive with the given entries and the two zero blocks that end it. */
export function tarArchive(specs: readonly TarSpec[]): Buffer {
  return Buffer.concat([...specs.map(tarEntry), Buffer.alloc(1024)]);
}
