/** Locations of the files perftriage ships beside its code (schemas, templates), found from this module. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: the nearest folder above this module that holds `package.json` and `schemas/`. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'schemas'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('perftriage: cannot find its package root (schemas/ missing from the installation)');
}

export const schemasDir = (): string => join(packageRoot(), 'schemas');
export const templatesDir = (): string => join(packageRoot(), 'templates');
