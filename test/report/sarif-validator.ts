/**
 * Validation against the official SARIF 2.1.0 schema (test/fixtures/sarif/sarif-schema-2.1.0.json, see
 * its PROVENANCE.md). The OASIS schema is draft-04, which ajv 8 does not ship; draft-04 and draft-07 read
 * this schema the same once its `id` is spelled `$id` (it uses no other draft-04-only keyword: no boolean
 * exclusiveMinimum/Maximum), so it is compiled with ajv's draft-07 class, strict off for an external
 * schema. Its three formats are checked here (ajv-formats is not a dependency): `uri` and
 * `uri-reference` by RFC 3986's character set with well-formed percent-escapes, `date-time` by Date.parse.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { fixture } from '../helpers.js';

const URI_CHARS = /^(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

let compiled: ValidateFunction | undefined;

function compile(): ValidateFunction {
  if (compiled) return compiled;
  const raw = JSON.parse(readFileSync(fixture('sarif', 'sarif-schema-2.1.0.json'), 'utf8')) as Record<string, unknown>;
  const { $schema: _draft, id, ...rest } = raw;
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat('uri-reference', (s: string) => URI_CHARS.test(s));
  ajv.addFormat('uri', (s: string) => SCHEME.test(s) && URI_CHARS.test(s));
  ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)));
  compiled = ajv.compile({ $id: String(id), ...rest });
  return compiled;
}

/** The schema errors of a SARIF document, as `path message` lines; empty when it is valid. */
export function sarifErrors(doc: unknown): string[] {
  const validate = compile();
  if (validate(doc)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}
