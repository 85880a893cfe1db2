import type { DataSource } from 'typeorm';
import { queryRows } from '../sql.js';

export type IdempotencyClaim =
  | { kind: 'claimed' }
  | { kind: 'in_flight'; sameRequest: boolean }
  | { kind: 'done'; sameRequest: boolean; status: number; body: unknown };

/**
 * Idempotency keys, per scope (an org, or the operator), kept 24 h. `claim` is one statement:
 * the primary key decides which of many concurrent requests proceeds; the rest see its state.
 */
export class IdempotencyRepository {
  constructor(private readonly db: DataSource) {}

  async claim(scope: string, key: string, requestHash: Buffer): Promise<IdempotencyClaim> {
    // An expired key is free again: the claim replaces it in the same statement.
    const rows = await queryRows<{
      claimed: boolean;
      state: string;
      request_hash: Buffer;
      response_status: number | null;
      response_body: unknown;
    }>(
      this.db.manager,
      `INSERT INTO idempotency_keys AS k (scope, key, request_hash, state)
       VALUES ($1, $2, $3, 'in_flight')
       ON CONFLICT (scope, key) DO UPDATE
         SET request_hash = EXCLUDED.request_hash, state = 'in_flight', response_status = NULL, response_body = NULL,
             created_at = now(), expires_at = now() + interval '24 hours'
         WHERE k.expires_at <= now()
       RETURNING true AS claimed, state, request_hash, response_status, response_body`,
      [scope, key, requestHash],
    );
    if (rows.length > 0) return { kind: 'claimed' };
    const [existing] = await queryRows<{
      state: string;
      request_hash: Buffer;
      response_status: number | null;
      response_body: unknown;
    }>(
      this.db.manager,
      'SELECT state, request_hash, response_status, response_body FROM idempotency_keys WHERE scope = $1 AND key = $2',
      [scope, key],
    );
    // Deleted between the two statements (the first request failed): treat as in flight, the client retries.
    if (!existing) return { kind: 'in_flight', sameRequest: true };
    const sameRequest = Buffer.compare(existing.request_hash, requestHash) === 0;
    if (existing.state === 'in_flight') return { kind: 'in_flight', sameRequest };
    return { kind: 'done', sameRequest, status: existing.response_status!, body: existing.response_body };
  }

  /** `orgId`: the org an operator's reply is about, so that deleting the org deletes the reply. */
  async complete(
    scope: string,
    key: string,
    status: number,
    body: unknown,
    orgId: string | null = null,
  ): Promise<void> {
    await this.db.query(
      `UPDATE idempotency_keys SET state = 'done', response_status = $3, response_body = $4, org_id = $5
        WHERE scope = $1 AND key = $2`,
      [scope, key, status, JSON.stringify(body ?? null), orgId],
    );
  }

  /** The first request failed in a way worth retrying (5xx): free the key for the retry. */
  async release(scope: string, key: string): Promise<void> {
    await this.db.query(`DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND state = 'in_flight'`, [
      scope,
      key,
    ]);
  }
}
