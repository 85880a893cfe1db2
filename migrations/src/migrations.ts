import { InitialSchema1764000000000 } from './1764000000000-initial-schema.js';
import { AddSchedules1764100000000 } from './1764100000000-add-schedules.js';
import { AddIdempotencyKeys1764200000000 } from './1764200000000-add-idempotency-keys.js';

/** Every migration, in order. A merged migration is never edited; add a new one. */
export const MIGRATIONS = [InitialSchema1764000000000, AddSchedules1764100000000, AddIdempotencyKeys1764200000000];
