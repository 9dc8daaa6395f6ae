#!/usr/bin/env node
// Regenerates schemas/any-record.schema.json from the files in schemas/records/: a record must match the
// common envelope and the schema of its tool (first segment of its kind). Run after adding a record schema;
// test/core/schemas.test.ts fails until you do.
import { readdirSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const schemas = join(dirname(fileURLToPath(import.meta.url)), '..', 'schemas');
const tools = readdirSync(join(schemas, 'records'))
  .filter((f) => f.endsWith('.schema.json'))
  .map((f) => f.slice(0, -'.schema.json'.length))
  .sort();
const base = 'https://perftriage.dev/schemas';
const doc = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: `${base}/any-record.schema.json`,
  title: 'perftriage timeline record of any kind',
  description:
    'A record is valid when it matches the common envelope and the schema of its tool, chosen by the first segment of its kind (iostat.device -> records/iostat). Kinds of unknown tools are rejected.',
  version: '1.0.0',
  type: 'object',
  required: ['kind'],
  allOf: [
    { $ref: `${base}/record.schema.json` },
    { type: 'object', properties: { kind: { type: 'string', pattern: `^(${tools.join('|')})\\.` } } },
    ...tools.map((t) => ({
      if: { type: 'object', properties: { kind: { type: 'string', pattern: `^${t}\\.` } }, required: ['kind'] },
      then: { $ref: `${base}/records/${t}.schema.json` },
    })),
  ],
};
writeFileSync(join(schemas, 'any-record.schema.json'), `${JSON.stringify(doc, null, 2)}\n`);
console.log(`any-record covers: ${tools.join(', ')}`);
