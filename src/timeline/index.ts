/** The timeline stage's public surface. */
export { getSchema, listSchemas, validate, validateRecord } from './schemas.js';
export const TIMELINE_ID_PREFIX = 'https://perftriage.dev/schemas/';
