/**
 * src/timeline/collector.ts: the two settings of V8's collector the CLI relies on must take effect on the
 * Node this runs on (they are set at run time, where V8 does not promise every flag works).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { getHeapStatistics } from 'node:v8';
import { FULL_COLLECTION_MIN_HEAP_BYTES, collectGarbage, collectGarbageAbove } from '../../src/timeline/collector.js';

test('collectGarbage runs a full collection: garbage made before it is gone after it', async () => {
  // A weakly held object with no other reference survives until a full collection runs (and, by the
  // WeakRef rules, at least until the job that made it, or dereferenced it, ends: hence the turn of the
  // event loop, and no deref before the collection).
  let target: object | undefined = { payload: new Array(1000).fill('x') };
  const ref = new WeakRef(target);
  target = undefined;
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(collectGarbage(), true, 'gc is available');
  assert.equal(ref.deref(), undefined);
});

/**
 * A parse worker's heap under its limit, with objects that outlive a scavenge and then die (a sampled
 * file's bucket rows, a trace's pending calls): the full collections it needs, in a process whose collector
 * was tuned and in one whose was not. Each child runs the same worker with the pool's limits.
 */
const WORKLOAD = `
const { PerformanceObserver, constants } = require('node:perf_hooks');
const { parentPort } = require('node:worker_threads');
let major = 0;
const obs = new PerformanceObserver((list) => { for (const e of list.getEntries()) if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) major++; });
obs.observe({ entryTypes: ['gc'] });
const live = [];
for (let i = 0; i < 300000; i++) live.push({ a: i, b: [i] });
const ring = new Array(200000);
for (let i = 0; i < 6000000; i++) ring[i % ring.length] = { a: i, b: [i, i] };
setTimeout(() => { obs.disconnect(); parentPort.postMessage(major + live.length * 0); }, 100);
`;

function fullCollections(tuned: boolean): number {
  const collector = new URL('../../src/timeline/collector.js', import.meta.url).href;
  const pool = new URL('../../src/timeline/pool.js', import.meta.url).href;
  const script = `
    import { Worker } from 'node:worker_threads';
    import { tuneCollector } from ${JSON.stringify(collector)};
    import { WORKER_HEAP_MB, workerHeapLimits } from ${JSON.stringify(pool)};
    if (${tuned}) tuneCollector();
    const w = new Worker(${JSON.stringify(WORKLOAD)}, { eval: true, execArgv: [], resourceLimits: workerHeapLimits(WORKER_HEAP_MB) });
    w.on('message', (m) => { process.stdout.write(String(m)); w.terminate(); });
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout);
}

test('tuneCollector: a limited worker runs markedly fewer full collections (heap growing factor 2, not V8\'s 1.1–1.3)', () => {
  const plain = fullCollections(false);
  const tuned = fullCollections(true);
  assert.ok(plain >= 10, `the workload needs full collections (got ${plain})`);
  assert.ok(tuned <= 0.85 * plain, `tuned ${tuned} full collections against ${plain} untuned`);
});

test('collectGarbageAbove collects only a heap that holds at least the given bytes', () => {
  const used = getHeapStatistics().used_heap_size;
  assert.equal(collectGarbageAbove(used + 512 * 1024 * 1024), false, 'a heap far under the threshold is left alone');
  assert.equal(collectGarbageAbove(0), true);
  assert.ok(FULL_COLLECTION_MIN_HEAP_BYTES >= 64 * 1024 * 1024, 'small bundles never pay for a full collection');
});
