import { InitialSchema1764000000000 } from './1764000000000-initial-schema.js';

/** Every migration, in order. A merged migration is never edited; add a new one. */
export const MIGRATIONS = [InitialSchema1764000000000];
