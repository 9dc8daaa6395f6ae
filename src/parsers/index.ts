/** The parser registry: tool name → parser module. */
import type { ParserModule } from './types.js';
import { parser as iostat } from './iostat.js';
import { parser as pidstat } from './pidstat.js';
import { parser as top } from './top.js';

const modules: ParserModule[] = [iostat, pidstat, top];

export const parsers: ReadonlyMap<string, ParserModule> = new Map(modules.map((m) => [m.meta.tool, m]));

export function parserFor(tool: string): ParserModule | undefined {
  return parsers.get(tool);
}
