import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { listSchemas, validate, validateRecord } from '../../src/timeline/schemas.js';

test('every schema has an $id, a version and a title, and compiles in strict mode', () => {
  const all = listSchemas();
  assert.ok(all.length >= 8);
  for (const s of all) {
    assert.match(s.id, /^https:\/\/perftriage\.dev\/schemas\/.+\.schema\.json$/, s.name);
    assert.match(String(s.schema.version), /^\d+\.\d+\.\d+$/, s.name);
    assert.ok(s.title.length > 0, s.name);
    assert.equal(s.schema.$schema, 'https://json-schema.org/draft/2020-12/schema', s.name);
    validate(s.name, {}); // compiles (throws otherwise)
  }
});

test('every schema is valid against the draft 2020-12 meta-schema (the loader skips that check at run time)', () => {
  const ajv = new Ajv2020({ strict: true, keywords: ['version'] });
  for (const s of listSchemas()) assert.equal(ajv.validateSchema(s.schema), true, `${s.name}: ${ajv.errorsText(ajv.errors)}`);
  // A schema that breaks the meta-schema is caught here, not only at run time.
  assert.equal(ajv.validateSchema({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'nosuchtype' }), false);
});

test('any-record covers every record schema (regenerate with scripts/gen-any-record-schema.mjs)', () => {
  const tools = readdirSync(join(repoRoot, 'schemas', 'records')).filter((f) => f.endsWith('.schema.json')).map((f) => f.replace('.schema.json', ''));
  const anyRecord = readFileSync(join(repoRoot, 'schemas', 'any-record.schema.json'), 'utf8');
  for (const t of tools) assert.ok(anyRecord.includes(`/records/${t}.schema.json`), t);
});

test('a record of an unknown tool or with a wrong field type is rejected', () => {
  const source = { file: 'a.txt', line: 1 };
  assert.equal(validate('any-record', { kind: 'nosuch.thing', source }).valid, false);
  assert.equal(validateRecord({ kind: 'host.info', source, tool: 'iostat', cpus: 'two' } as never).valid, false);
  assert.equal(validateRecord({ kind: 'host.info', source, tool: 'iostat', cpus: 2 } as never).valid, true);
  assert.equal(validate('any-record', { kind: 'host.info', source, tool: 'iostat', cpus: 'two' }).valid, false);
});
