/**
 * Block device naming: partitions → whole disks, mount sources → block devices, paths → mounts, and
 * which devices serve requests in parallel. Pure string rules (no /sys look-ups: the capture is read
 * on another machine); see docs/model/patterns-and-devices.md for the rules and why.
 */

export interface WholeDisk {
  /** Whole-disk kernel name (`sda`, `nvme0n1`), or the name itself when it is not a partition. */
  disk: string;
  /** Partition number, when `name` is a partition (`sda1` → 1, `nvme0n1p2` → 2). */
  partition?: number;
  /**
   * A device-mapper name (`mapper/vg-root`): its kernel name (`dm-N`) and the disks under it cannot be
   * told from the name; lsblk (NAME/KNAME columns) or `ls -l /dev/mapper` can. `disk` is the name as given.
   */
  mapper?: boolean;
}

/** Strip a leading `/dev/`. */
export function stripDev(name: string): string {
  return name.startsWith('/dev/') ? name.slice(5) : name;
}

/**
 * Kernel naming: a disk whose name ends with a letter gets its partition number appended (`sda` → `sda1`);
 * a disk whose name ends with a digit gets `p` + number (`nvme0n1p2`, `mmcblk0p1`, `loop0p1`, `md127p1`).
 */
const LETTER_DISK_PARTITION = /^((?:sd|vd|xvd|hd|ubd)[a-z]+)([0-9]+)$/;
const DIGIT_DISK_PARTITION = /^((?:nvme[0-9]+(?:c[0-9]+)?n[0-9]+|mmcblk[0-9]+|loop[0-9]+|nbd[0-9]+|md[0-9]+|rbd[0-9]+|zd[0-9]+))p([0-9]+)$/;

/** The whole disk a block device name belongs to: `sda1` → `sda`/1, `nvme0n1p2` → `nvme0n1`/2, `dm-0` → `dm-0`. */
export function wholeDisk(name: string): WholeDisk {
  const bare = stripDev(name);
  if (bare.startsWith('mapper/')) return { disk: bare, mapper: true };
  const m = LETTER_DISK_PARTITION.exec(bare) ?? DIGIT_DISK_PARTITION.exec(bare);
  if (m) return { disk: m[1]!, partition: Number(m[2]) };
  return { disk: bare };
}

export type MountSourceKind = 'block' | 'virtual' | 'network' | 'unresolved';

export interface MountSourceDevice {
  /**
   * `block`: a block device, named in `name` (`sda1`, `mapper/vg-root`).
   * `virtual`: no device behind it (tmpfs, proc, overlay…).
   * `network`: NFS / CIFS / sshfs (`host:/export`, `//server/share`).
   * `unresolved`: a device named indirectly (`UUID=…`, `LABEL=…`, `/dev/disk/by-uuid/…`, `/dev/root`):
   * which one it is needs lsblk / blkid output.
   */
  kind: MountSourceKind;
  name?: string;
  /** Set with `name` when it is a device-mapper volume (see WholeDisk.mapper). */
  mapper?: boolean;
}

/** Filesystem types that are the SOURCE column of mounts with no device behind them. */
const VIRTUAL_SOURCES = new Set([
  'none', 'tmpfs', 'devtmpfs', 'udev', 'overlay', 'overlayfs', 'proc', 'sysfs', 'devpts', 'cgroup', 'cgroup2',
  'mqueue', 'hugetlbfs', 'debugfs', 'tracefs', 'securityfs', 'pstore', 'bpf', 'configfs', 'fusectl', 'shm',
  'rootfs', 'nsfs', 'ramfs', 'autofs', 'binfmt_misc', 'efivarfs', 'systemd-1', 'selinuxfs', 'rpc_pipefs',
  'nfsd', 'sunrpc', 'lxcfs', 'gvfsd-fuse', 'portal', 'shiftfs', 'aufs', 'zram',
]);

/** Indirect names: the device they mean is only known to blkid / lsblk. */
const INDIRECT_SOURCE = /^(?:UUID|PARTUUID|LABEL|PARTLABEL|ID)=/i;

/** Folders of /dev that are not LVM volume groups (`/dev/md/root` is an md array's alias, for instance). */
const NOT_VOLUME_GROUPS = new Set(['md', 'mapper', 'disk', 'block', 'char', 'pts', 'shm', 'fd', 'net', 'bus', 'cpu', 'dri', 'snd', 'input', 'zvol', 'hugepages', 'mqueue']);

/** What a mount's source (df Filesystem / findmnt SOURCE / lsblk) says about its device. */
export function deviceFromMountSource(source: string): MountSourceDevice {
  // findmnt shows bind mounts and btrfs subvolumes as `/dev/sda1[/subvol]`.
  const s = source.trim().replace(/\[.*\]$/, '');
  if (s === '' || INDIRECT_SOURCE.test(s)) return { kind: 'unresolved' };
  if (VIRTUAL_SOURCES.has(s.toLowerCase())) return { kind: 'virtual' };
  if (s.startsWith('//') || /^[^/\s]+:\//.test(s)) return { kind: 'network' };
  if (!s.startsWith('/dev/')) return { kind: 'virtual' }; // `myfs`, `server` labels of FUSE and other pseudo filesystems
  const bare = s.slice(5);
  if (bare === 'root' || bare.startsWith('disk/')) return { kind: 'unresolved' };
  if (bare.startsWith('mapper/')) return { kind: 'block', name: bare, mapper: true };
  const parts = bare.split('/');
  // LVM's /dev/<vg>/<lv> is a symlink to /dev/mapper/<vg>-<lv>, with `-` doubled inside names.
  if (parts.length === 2 && parts[0] !== '' && parts[1] !== '' && !NOT_VOLUME_GROUPS.has(parts[0]!)) {
    return { kind: 'block', name: `mapper/${parts[0]!.replace(/-/g, '--')}-${parts[1]!.replace(/-/g, '--')}`, mapper: true };
  }
  if (parts.length !== 1) return { kind: 'unresolved' };
  return { kind: 'block', name: bare };
}

/** `target` without a trailing slash (except `/` itself). */
function normalizeTarget(target: string): string {
  return target.length > 1 && target.endsWith('/') ? target.replace(/\/+$/, '') || '/' : target;
}

/** True when `target` is `path` or one of its ancestors, at a segment boundary (`/tmp` covers `/tmp/x`, not `/tmpfoo`). */
export function isUnderMount(path: string, target: string): boolean {
  const t = normalizeTarget(target);
  if (t === '/') return path.startsWith('/');
  return path === t || (path.startsWith(t) && path.charCodeAt(t.length) === 47 /* / */);
}

/**
 * The mount a path lives on: the one whose target is its longest prefix at a segment boundary. With
 * several mounts on the same target (over-mounts), the last in the list wins, as the last mounted
 * hides the others (findmnt and /proc/mounts list in mount order). Relative paths match nothing.
 */
export function longestPrefixMount<M extends { target: string }>(path: string, mounts: readonly M[]): M | undefined {
  let best: M | undefined;
  let bestLength = -1;
  for (const m of mounts) {
    const t = normalizeTarget(m.target);
    if (!isUnderMount(path, t)) continue;
    if (t.length >= bestLength) {
      best = m;
      bestLength = t.length;
    }
  }
  return best;
}

/**
 * The same look-up for many paths: index the mounts once, then walk each path's ancestors (O(depth)
 * per path instead of O(mounts)).
 */
export function mountResolver<M extends { target: string }>(mounts: readonly M[]): (path: string) => M | undefined {
  const byTarget = new Map<string, M>();
  for (const m of mounts) byTarget.set(normalizeTarget(m.target), m); // later entries win, as above
  return (path: string): M | undefined => {
    if (!path.startsWith('/')) return undefined;
    let p = path.length > 1 ? path.replace(/\/+$/, '') : path;
    for (;;) {
      const m = byTarget.get(p === '' ? '/' : p);
      if (m) return m;
      if (p === '' || p === '/') return undefined;
      p = p.slice(0, p.lastIndexOf('/'));
    }
  };
}

/**
 * Devices that serve many requests at once, where %util (the share of time with at least one request in
 * flight) says nothing about saturation: NVMe (many hardware queues), virtio / Xen disks (the host
 * backend runs requests in parallel), device-mapper and md (they fan out to several devices), loop,
 * nbd and rbd (backed by files or the network), zram (memory). A single-queue rotating disk is busy when
 * %util nears 100; these devices can show 100 % while having spare capacity — read await and aqu-sz instead.
 * `sd*`, `hd*`, `mmcblk*` are not listed: they may be SSDs or SAN LUNs, but the name alone cannot say.
 */
const PARALLEL_PREFIX = /^(?:nvme[0-9]|vd[a-z]|xvd[a-z]|dm-[0-9]|md[0-9]|loop[0-9]|zram[0-9]|nbd[0-9]|rbd[0-9]|mapper\/)/;

export function parallelDevice(name: string): boolean {
  return PARALLEL_PREFIX.test(stripDev(name));
}
