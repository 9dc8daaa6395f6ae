/**
 * src/timeline/collector.ts: the two settings of V8's collector the CLI relies on must take effect on the
 * Node this runs on (they are set at run time, where V8 does not promise every flag works).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectGarbage } from '../../src/timeline/collector.js';

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
