/**
 * The real capture of the case study's app (../shared/captures/popularity): the timeline validates, and
 * pidstat -dt rows carry the app's worker TIDs with the capture's absolute (UTC) times.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, mkdtempSync, rmSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, basename } from 'node:path';
import * as tar from 'tar';
import { runCli } from './run-cli.js';
import { repoRoot, sharedDir, skipWithoutShared } from '../helpers.js';
import { validate } from '../../src/timeline/schemas.js';
import { zipArchive } from '../bundle/archives.js';

/** Every file below `dir`, as bundle paths, sorted. */
function walk(dir: string, prefix = ''): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => (statSync(join(dir, name)).isDirectory() ? walk(join(dir, name), `${prefix}${name}/`) : [`${prefix}${name}`]));
}

const popularity = join(sharedDir, 'captures', 'popularity');

interface Rec {
  kind: string;
  source: { file: string; line: number };
  time?: { clock: string; iso?: string; epoch?: number };
  [k: string]: unknown;
}

test('popularity capture: timeline validates, pidstat-dt carries worker TIDs at UTC times', { skip: skipWithoutShared }, () => {
  const r = runCli(['timeline', popularity]);
  assert.equal(r.code, 0, r.stderr);
  const t = JSON.parse(r.stdout) as { files: { path: string; tool: string; coverage: { unparsed: number } }[]; records: Rec[]; clock: { timezone?: string; date?: string } };
  const v = validate('timeline', t);
  assert.ok(v.valid, v.errors.slice(0, 10).join('\n'));
  const truth = JSON.parse(readFileSync(join(popularity, 'groundtruth', 'ground-truth.json'), 'utf8')) as Record<string, unknown>;
  const appPid = Number((truth.app as { pid?: number } | undefined)?.pid ?? readFileSync(join(popularity, 'groundtruth', 'app-pid.txt'), 'utf8').trim());
  assert.equal(appPid, 26246);
  assert.equal(t.clock.timezone, 'UTC');
  assert.equal(t.clock.date, '2026-11-26');
  const dt = t.records.filter((x) => x.source.file === 'pidstat-dt.txt' && x.kind === 'pidstat.task');
  assert.ok(dt.length > 0);
  const threads = dt.filter((x) => x.pid === appPid && typeof x.tid === 'number' && x.tid !== appPid);
  assert.ok(threads.length > 0, 'worker thread rows of the app');
  const workerTids = truth.worker_tids as number[];
  const writing = threads.filter((x) => Number(x.write_bytes_per_s) > 0);
  const writingTids = new Set(writing.map((x) => x.tid as number));
  assert.ok(workerTids.some((tid) => writingTids.has(tid)), `a ground-truth worker TID (${workerTids.join(', ')}) writes in pidstat-dt.txt; saw ${[...writingTids].join(', ')}`);
  for (const tid of writingTids) assert.ok(workerTids.includes(tid), `thread ${tid} writes but is not a worker in the ground truth`);
  for (const x of threads) {
    if (x.average) continue;
    assert.equal(x.time?.clock, 'utc');
    assert.match(String(x.time?.iso), /^2026-11-26T17:3\d:\d{2}Z$/);
  }
  for (const f of t.files) assert.equal(f.coverage.unparsed, 0, `${f.path} has unparsed lines`);
});

test('a bundle packed as .tar.gz or .zip gives the same timeline as the folder', { skip: skipWithoutShared }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'perftriage-tgz-'));
  try {
    const archive = join(dir, 'popularity.tar.gz');
    await tar.c({ gzip: true, file: archive, cwd: join(popularity, '..') }, [basename(popularity)]);
    const fromFolder = runCli(['timeline', popularity]);
    const fromArchive = runCli(['timeline', archive]);
    assert.equal(fromArchive.code, 0, fromArchive.stderr);
    const a = JSON.parse(fromFolder.stdout) as { bundle: { kind: string; name: string } };
    const b = JSON.parse(fromArchive.stdout) as { bundle: { kind: string; name: string } };
    assert.equal(a.bundle.kind, 'folder');
    assert.equal(b.bundle.kind, 'tar.gz');
    assert.equal(b.bundle.name, a.bundle.name);
    a.bundle.kind = b.bundle.kind;
    assert.deepEqual(b, a);
    // The same files as a zip (deflated, inside one top folder, listed in reverse order).
    const zipPath = join(dir, 'popularity.zip');
    const files = walk(popularity).reverse();
    writeFileSync(zipPath, zipArchive(files.map((f) => ({ name: `popularity/${f}`, data: readFileSync(join(popularity, f)), method: 'deflate' as const }))));
    const fromZip = runCli(['timeline', zipPath]);
    assert.equal(fromZip.code, 0, fromZip.stderr);
    const z = JSON.parse(fromZip.stdout) as { bundle: { kind: string } };
    assert.equal(z.bundle.kind, 'zip');
    z.bundle.kind = a.bundle.kind;
    assert.deepEqual(z, a);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void repoRoot;

/**
 * The manifest a collector would write for this capture, built from the capture's own records of what ran
 * when (groundtruth/commands.tsv: name, file, start, command; exit-codes.tsv: name, status, end).
 */
function manifestFromCaptureLog(): { version: string; files: Record<string, unknown>[] } {
  const rows = (name: string): string[][] =>
    readFileSync(join(popularity, 'groundtruth', name), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t'));
  const ended = new Map(rows('exit-codes.tsv').map(([name, status, end]) => [name!, { status: Number(status), end: end! }]));
  const files = rows('commands.tsv').map(([name, file, start, command]) => {
    const e = ended.get(name!);
    return { path: file!, command: command!, started_at: start!, ...(e ? { ended_at: e.end, exit_status: e.status } : {}) };
  });
  return { version: '1.0.0', files };
}

test('opensnoop without -T: its records get their time window from the manifest start and end', { skip: skipWithoutShared }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'perftriage-manifest-'));
  try {
    const bundle = join(dir, 'popularity');
    cpSync(popularity, bundle, { recursive: true });
    writeFileSync(join(bundle, 'manifest.json'), JSON.stringify(manifestFromCaptureLog(), null, 2));
    const r = runCli(['timeline', bundle]);
    assert.equal(r.code, 0, r.stderr);
    const t = JSON.parse(r.stdout) as { files: { path: string; variant: string; time_span?: { first: string; last: string; clock: string } }[]; clock: { notes: { file: string; note: string }[] }; records: Rec[] };
    const open = t.files.find((f) => f.path === 'opensnoop.txt')!;
    assert.deepEqual(open.time_span, { first: '2026-11-26T17:35:20.457Z', last: '2026-11-26T17:35:30.980Z', clock: 'manifest' });
    assert.match(open.variant, /command: opensnoop -d 10$/);
    assert.ok(t.clock.notes.some((n) => n.file === 'opensnoop.txt' && /11527 record\(s\) print no time/.test(n.note)));
    // Files with their own timestamps keep them: filetop's loadavg lines win over the manifest.
    assert.equal(t.files.find((f) => f.path === 'filetop.txt')!.time_span?.clock, 'utc');
    // The app's opens are records of that file, ready for the model's join.
    const appOpens = t.records.filter((x) => x.source.file === 'opensnoop.txt' && x.pid === 26246 && /^\/tmp\/[0-9a-f-]{36}\/\d+\.txt$/.test(String(x.path)));
    // README-capture.md: "opensnoop.txt has 2131 lines matching /tmp/<uuid>/\d+\.txt", all of them the app's.
    assert.equal(appOpens.length, 2131);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
