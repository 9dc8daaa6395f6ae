/** Block device naming, mount sources, path → mount, parallel devices. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deviceFromMountSource, isUnderMount, longestPrefixMount, mountResolver, parallelDevice, stripDev, wholeDisk } from '../../src/model/devices.js';
import { sharedDir, skipWithoutShared } from '../helpers.js';

test('wholeDisk: partitions of letter-named disks', () => {
  assert.deepEqual(wholeDisk('sda1'), { disk: 'sda', partition: 1 });
  assert.deepEqual(wholeDisk('sda'), { disk: 'sda' });
  assert.deepEqual(wholeDisk('sdaa12'), { disk: 'sdaa', partition: 12 });
  assert.deepEqual(wholeDisk('vda'), { disk: 'vda' });
  assert.deepEqual(wholeDisk('vda3'), { disk: 'vda', partition: 3 });
  assert.deepEqual(wholeDisk('xvda1'), { disk: 'xvda', partition: 1 });
  assert.deepEqual(wholeDisk('hda1'), { disk: 'hda', partition: 1 });
});

test('wholeDisk: partitions of digit-ended disks take a `p`', () => {
  assert.deepEqual(wholeDisk('nvme0n1p2'), { disk: 'nvme0n1', partition: 2 });
  assert.deepEqual(wholeDisk('nvme0n1'), { disk: 'nvme0n1' });
  assert.deepEqual(wholeDisk('nvme10n12p15'), { disk: 'nvme10n12', partition: 15 });
  assert.deepEqual(wholeDisk('mmcblk0p1'), { disk: 'mmcblk0', partition: 1 });
  assert.deepEqual(wholeDisk('mmcblk0'), { disk: 'mmcblk0' });
  assert.deepEqual(wholeDisk('mmcblk0boot0'), { disk: 'mmcblk0boot0' }, 'eMMC boot areas are devices of their own');
  assert.deepEqual(wholeDisk('md127p1'), { disk: 'md127', partition: 1 });
  assert.deepEqual(wholeDisk('md0'), { disk: 'md0' });
  assert.deepEqual(wholeDisk('loop0'), { disk: 'loop0' });
  assert.deepEqual(wholeDisk('loop0p1'), { disk: 'loop0', partition: 1 });
  assert.deepEqual(wholeDisk('nbd0p1'), { disk: 'nbd0', partition: 1 });
  assert.deepEqual(wholeDisk('rbd3p2'), { disk: 'rbd3', partition: 2 });
});

test('wholeDisk: devices that are never partitions stay themselves', () => {
  for (const name of ['dm-0', 'dm-12', 'sr0', 'zram0', 'ram0', 'fd0', 'md0', 'loop7', 'nvme0c0n1', 'weird', 'sd', 'sda-1']) {
    assert.deepEqual(wholeDisk(name), { disk: name }, name);
  }
});

test('wholeDisk: /dev/ prefix stripped; /dev/mapper names kept with a flag (their dm-N is unknown)', () => {
  assert.deepEqual(wholeDisk('/dev/sda1'), { disk: 'sda', partition: 1 });
  assert.deepEqual(wholeDisk('/dev/nvme0n1p2'), { disk: 'nvme0n1', partition: 2 });
  assert.deepEqual(wholeDisk('/dev/mapper/vg-root'), { disk: 'mapper/vg-root', mapper: true });
  assert.deepEqual(wholeDisk('mapper/vg-root'), { disk: 'mapper/vg-root', mapper: true });
  assert.equal(stripDev('/dev/vda'), 'vda');
  assert.equal(stripDev('vda'), 'vda');
});

test('deviceFromMountSource: block devices', () => {
  assert.deepEqual(deviceFromMountSource('/dev/sda1'), { kind: 'block', name: 'sda1' });
  assert.deepEqual(deviceFromMountSource('/dev/vda'), { kind: 'block', name: 'vda' });
  assert.deepEqual(deviceFromMountSource('/dev/nvme0n1p2'), { kind: 'block', name: 'nvme0n1p2' });
  assert.deepEqual(deviceFromMountSource('/dev/loop3'), { kind: 'block', name: 'loop3' });
  assert.deepEqual(deviceFromMountSource('/dev/sda1[/@home]'), { kind: 'block', name: 'sda1' }, 'findmnt bind / subvolume suffix');
  assert.deepEqual(deviceFromMountSource(' /dev/md0 '), { kind: 'block', name: 'md0' });
});

test('deviceFromMountSource: device-mapper and LVM names', () => {
  assert.deepEqual(deviceFromMountSource('/dev/mapper/vg-root'), { kind: 'block', name: 'mapper/vg-root', mapper: true });
  assert.deepEqual(deviceFromMountSource('/dev/vg0/root'), { kind: 'block', name: 'mapper/vg0-root', mapper: true });
  assert.deepEqual(deviceFromMountSource('/dev/my-vg/lv-data'), { kind: 'block', name: 'mapper/my--vg-lv--data', mapper: true }, 'LVM doubles - inside names');
});

test('deviceFromMountSource: virtual filesystems', () => {
  for (const s of ['tmpfs', 'devtmpfs', 'overlay', 'none', 'udev', 'proc', 'sysfs', 'cgroup', 'cgroup2', 'devpts', 'tracefs', 'debugfs', 'securityfs', 'shm', 'TMPFS', 'fuse-thing']) {
    assert.deepEqual(deviceFromMountSource(s), { kind: 'virtual' }, s);
  }
});

test('deviceFromMountSource: unresolved (indirect names) and network sources', () => {
  for (const s of ['UUID=3f1c2d4e-5a6b-7c8d-9e0f-1a2b3c4d5e6f', 'PARTUUID=abcd-01', 'LABEL=root', 'PARTLABEL=data', '/dev/disk/by-uuid/3f1c', '/dev/root', '/dev/md/root', '']) {
    assert.deepEqual(deviceFromMountSource(s), { kind: 'unresolved' }, s);
  }
  for (const s of ['nfs.example.com:/export/home', '10.0.0.2:/data', '//fileserver/share']) {
    assert.deepEqual(deviceFromMountSource(s), { kind: 'network' }, s);
  }
});

const mounts = [{ target: '/' }, { target: '/tmp' }, { target: '/var/lib/docker/' }, { target: '/var' }, { target: '/dev/shm', id: 'first' }, { target: '/dev/shm', id: 'over' }];

test('longestPrefixMount: longest target at a segment boundary; / covers everything absolute', () => {
  assert.equal(longestPrefixMount('/tmp/x', mounts)?.target, '/tmp');
  assert.equal(longestPrefixMount('/tmp', mounts)?.target, '/tmp');
  assert.equal(longestPrefixMount('/tmpfoo/x', mounts)?.target, '/');
  assert.equal(longestPrefixMount('/var/lib/docker/overlay2/x', mounts)?.target, '/var/lib/docker/', 'trailing slash of a target ignored');
  assert.equal(longestPrefixMount('/var/lib/dockerd', mounts)?.target, '/var');
  assert.equal(longestPrefixMount('/etc/passwd', mounts)?.target, '/');
  assert.equal(longestPrefixMount('/', mounts)?.target, '/');
  assert.equal(longestPrefixMount('relative/path', mounts), undefined);
  assert.equal(longestPrefixMount('/x', [{ target: '/tmp' }]), undefined);
  assert.equal(longestPrefixMount('/x', []), undefined);
  assert.equal((longestPrefixMount('/dev/shm/a', mounts) as { id?: string }).id, 'over', 'the last over-mount wins');
  assert.equal(isUnderMount('/tmp/x', '/tmp/'), true);
  assert.equal(isUnderMount('/tmpx', '/tmp'), false);
});

test('mountResolver agrees with longestPrefixMount', () => {
  const resolve = mountResolver(mounts);
  for (const p of ['/tmp/x', '/tmp', '/tmpfoo/x', '/var/lib/docker/overlay2/x', '/var/lib/dockerd', '/etc/passwd', '/', '/dev/shm/a', '/tmp/x/', 'relative/path', '//tmp/x']) {
    assert.equal(resolve(p), longestPrefixMount(p, mounts), p);
  }
  assert.equal(mountResolver([{ target: '/tmp' }])('/x'), undefined);
});

test('parallelDevice: NVMe, virtio, Xen, dm, md, loop, zram, nbd, rbd; not sd/hd/mmcblk/sr', () => {
  for (const d of ['nvme0n1', 'nvme0n1p2', '/dev/nvme1n1', 'vda', 'vda1', 'xvda', 'dm-0', 'md127', 'loop0', 'zram0', 'nbd0', 'rbd0', 'mapper/vg-root']) {
    assert.equal(parallelDevice(d), true, d);
  }
  for (const d of ['sda', 'sda1', 'hda', 'mmcblk0', 'sr0', 'vd', 'md', 'dmx', 'loopy', 'nvme']) {
    assert.equal(parallelDevice(d), false, d);
  }
});

test('popularity capture: / is /dev/vda (a parallel virtio disk); the virtual mounts have no device', { skip: skipWithoutShared }, () => {
  const df = readFileSync(join(sharedDir, 'captures', 'popularity', 'df.txt'), 'utf8').trim().split('\n').slice(1);
  const rows = df.map((l) => l.split(/\s+/)).map((c) => ({ source: c[0]!, target: c[5]! }));
  assert.deepEqual(rows.map((r) => [r.target, deviceFromMountSource(r.source).kind]), [
    ['/dev', 'virtual'],
    ['/dev/shm', 'virtual'],
    ['/', 'block'],
    ['/sys/fs/cgroup', 'virtual'],
  ]);
  const root = longestPrefixMount('/tmp/bf482cd4-e9bf-11f1-81e7-02fc00000001/294.txt', rows);
  assert.equal(root?.source, '/dev/vda');
  const dev = deviceFromMountSource(root.source);
  assert.deepEqual(wholeDisk(dev.name!), { disk: 'vda' });
  assert.equal(parallelDevice('vda'), true);
  assert.equal(longestPrefixMount('/dev/shm/x', rows)?.source, 'tmpfs');
});
