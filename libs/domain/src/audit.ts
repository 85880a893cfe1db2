/** Who made a change: an org's API key (its id) or the operator's admin token. */
/** `endpoint`: an inbound endpoint (its id), for the forward tasks a received request became. */
/** `system`: the platform itself (e.g. the dispatcher disabling a notification channel whose target is gone). */
export type ActorType = 'api_key' | 'admin' | 'endpoint' | 'system';
export const ACTOR_TYPES: readonly ActorType[] = ['api_key', 'admin', 'endpoint', 'system'];

export interface Actor {
  type: ActorType;
  id: string;
}

/** The admin token has no id of its own: every operator call is recorded as this one. */
export const ADMIN_ACTOR: Actor = { type: 'admin', id: 'admin' };

/** `resource.verb`, lowercase, e.g. `task.created`, `signing_secret.rotated`. */
export const AUDIT_ACTION_PATTERN = /^[a-z][a-z_]{0,39}\.[a-z][a-z_]{0,39}$/;

/** Field → [before, after]; null on the side where the field did not exist (created, deleted). */
export type AuditChanges = Record<string, [unknown, unknown]>;

/** Stands for a secret's value in changes: the audit log says a secret changed, never what it is. */
export const REDACTED = '[redacted]';

/** The fields of `after` whose value differs from `before` (by JSON value), as [before, after]. */
export function diffChanges(before: object | null, after: object | null, fields?: readonly string[]): AuditChanges {
  const from = (before ?? {}) as Record<string, unknown>;
  const to = (after ?? {}) as Record<string, unknown>;
  const names = fields ?? [...new Set([...Object.keys(from), ...Object.keys(to)])];
  const changes: AuditChanges = {};
  for (const name of names) {
    const was = from[name] ?? null;
    const is = to[name] ?? null;
    if (JSON.stringify(was) !== JSON.stringify(is)) changes[name] = [was, is];
  }
  return changes;
}

/** One audit entry as a mutation records it, in the mutation's transaction. */
export interface AuditEntry {
  orgId: string;
  actor: Actor;
  action: string;
  resourceType: string;
  resourceId: string;
  changes: AuditChanges | null;
}
