import { InitialSchema1764000000000 } from './1764000000000-initial-schema.js';
import { AddSchedules1764100000000 } from './1764100000000-add-schedules.js';
import { AddIdempotencyKeys1764200000000 } from './1764200000000-add-idempotency-keys.js';
import { TaskEditingAndAssertions1764300000000 } from './1764300000000-task-editing-and-assertions.js';
import { SigningRotationAndCallbacks1764400000000 } from './1764400000000-signing-rotation-and-callbacks.js';
import { NamedQueues1764500000000 } from './1764500000000-named-queues.js';
import { QuotaCheck1764600000000 } from './1764600000000-quota-check.js';
import { AttemptsWithoutForeignKeys1764700000000 } from './1764700000000-attempts-without-foreign-keys.js';
import { LeanTaskIndexes1764800000000 } from './1764800000000-lean-task-indexes.js';
import { VerbatimIdempotentReplays1764900000000 } from './1764900000000-verbatim-idempotent-replays.js';
import { EnvelopeEncryption1765000000001 } from './1765000000001-envelope-encryption.js';
import { ApiKeyLifecycle1765100000000 } from './1765100000000-api-key-lifecycle.js';
import { AuditLog1765200000000 } from './1765200000000-audit-log.js';
import { RateLimitWindows1765300000000 } from './1765300000000-rate-limit-windows.js';
import { InboundWebhooks1765400000000 } from './1765400000000-inbound-webhooks.js';
import { IdempotencyOwnerOrg1765500000000 } from './1765500000000-idempotency-owner-org.js';
import { MonitorsAndNotifications1765600000000 } from './1765600000000-monitors-and-notifications.js';
import { NotificationOutbox1765800000000 } from './1765800000000-notification-outbox.js';

/** Every migration, in order. A merged migration is never edited; add a new one. */
export const MIGRATIONS = [
  InitialSchema1764000000000,
  AddSchedules1764100000000,
  AddIdempotencyKeys1764200000000,
  TaskEditingAndAssertions1764300000000,
  SigningRotationAndCallbacks1764400000000,
  NamedQueues1764500000000,
  QuotaCheck1764600000000,
  AttemptsWithoutForeignKeys1764700000000,
  LeanTaskIndexes1764800000000,
  VerbatimIdempotentReplays1764900000000,
  EnvelopeEncryption1765000000001,
  ApiKeyLifecycle1765100000000,
  AuditLog1765200000000,
  RateLimitWindows1765300000000,
  InboundWebhooks1765400000000,
  IdempotencyOwnerOrg1765500000000,
  MonitorsAndNotifications1765600000000,
  NotificationOutbox1765800000000,
];
