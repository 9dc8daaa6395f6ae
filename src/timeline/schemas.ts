/**
 * JSON Schema validation (draft 2020-12, ajv) of everything perftriage reads or writes: the manifest,
 * each record kind, the parse output and the timeline. Schemas live in `schemas/` and are loaded once.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import type { Ajv2020, ValidateFunction, ErrorObject } from 'ajv/dist/2020.js';
import { schemasDir } from '../common/paths.js';

/**
 * ajv is ~75 modules: loaded at the first validation, not with the CLI. parse and sniff never validate,
 * nor do the other commands on a bundle without a manifest.json and without a config file; loading it
 * was ~15–30 ms of each of their starts. `require` keeps load() synchronous (ajv is CommonJS).
 */
const requireAjv = (): typeof import('ajv/dist/2020.js') => createRequire(import.meta.url)('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');

export interface SchemaInfo {
  /** Short name used on the command line: `timeline`, `manifest`, `records/iostat`, … */
  name: string;
  id: string;
  title: string;
  path: string;
  schema: Record<string, unknown>;
}

let cache: { ajv: Ajv2020; schemas: Map<string, SchemaInfo> } | undefined;

function listSchemaFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listSchemaFiles(full));
    else if (entry.name.endsWith('.schema.json')) out.push(full);
  }
  return out.sort();
}

function load(): { ajv: Ajv2020; schemas: Map<string, SchemaInfo> } {
  if (cache) return cache;
  // Checking each schema against the meta-schema took ~0.1 s of every run, a tenth of a small bundle's
  // report; the schemas ship with perftriage and test/core/schemas.test.ts checks them instead.
  const ajv = new (requireAjv().Ajv2020)({ allErrors: true, strict: true, keywords: ['version'], validateSchema: false });
  const schemas = new Map<string, SchemaInfo>();
  const root = schemasDir();
  for (const path of listSchemaFiles(root)) {
    const schema = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    const name = relative(root, path).replace(/\\/g, '/').replace(/\.schema\.json$/, '');
    const id = String(schema.$id ?? '');
    schemas.set(name, { name, id, title: String(schema.title ?? name), path, schema });
    ajv.addSchema(schema);
  }
  cache = { ajv, schemas };
  return cache;
}

export function listSchemas(): SchemaInfo[] {
  return [...load().schemas.values()];
}

export function getSchema(name: string): SchemaInfo | undefined {
  return load().schemas.get(name);
}

function validatorFor(name: string): ValidateFunction {
  const { ajv, schemas } = load();
  const info = schemas.get(name);
  if (!info) throw new Error(`no schema named '${name}'`);
  const fn = ajv.getSchema(info.id);
  if (!fn) throw new Error(`schema '${name}' did not compile`);
  return fn;
}

export interface ValidationResult {
  valid: boolean;
  errors: string[];
}

function formatErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.params && 'allowedValues' in e.params ? ` (${(e.params.allowedValues as unknown[]).join(', ')})` : ''}`);
}

export function validate(name: string, data: unknown): ValidationResult {
  const fn = validatorFor(name);
  const valid = fn(data) as boolean;
  return { valid, errors: valid ? [] : formatErrors(fn.errors) };
}

/** The schema of a record: `records/<tool>` from the first segment of its kind (`iostat.device` → `records/iostat`). */
export function recordSchemaName(kind: string): string {
  return `records/${kind.split('.')[0]}`;
}

/** Validate one record against the common envelope and the schema of its tool. */
export function validateRecord(record: { kind?: unknown }): ValidationResult {
  const envelope = validate('record', record);
  if (!envelope.valid) return envelope;
  const name = recordSchemaName(String(record.kind));
  if (!getSchema(name)) return { valid: false, errors: [`no schema for record kind '${String(record.kind)}' (expected schemas/${name}.schema.json)`] };
  return validate(name, record);
}

/** Validators of schemas that are not files (a rule's options): compiled once per schema object. */
const compiled = new WeakMap<object, ValidateFunction>();

/** Validate `data` against an in-memory schema (draft 2020-12, strict, no `$id` needed). */
export function validateWith(schema: Record<string, unknown>, data: unknown): ValidationResult {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = load().ajv.compile(schema);
    compiled.set(schema, fn);
  }
  const valid = fn(data) as boolean;
  return { valid, errors: valid ? [] : formatErrors(fn.errors) };
}
