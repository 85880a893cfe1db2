import type { DataSource, EntityManager } from 'typeorm';
import { decodeCursor, type Page, toPage } from '../cursor.js';
import { openOne, openRows, sealRows } from '../encryption/sealed-rows.js';
import { isUuid } from '../ids.js';
import { queryRows } from '../sql.js';

export type VerifyProvider = 'none' | 'standard-webhooks' | 'stripe' | 'github' | 'shopify' | 'slack' | 'hmac';

/** How an endpoint checks a request's signature; sealed at rest (it holds the secrets). */
export interface VerifyConfig {
  provider: VerifyProvider;
  secrets: string[];
  toleranceSeconds: number;
  /** `hmac` only. */
  header?: string;
  algorithm?: 'sha256' | 'sha512';
  encoding?: 'hex' | 'base64';
  prefix?: string;
}

/** `body.<path>`, `headers.<name>` or `query.<name>` → the values it may have (any of them). */
export type ForwardFilter = Record<string, (string | number | boolean)[]>;

/** One target of an endpoint; sealed at rest with the others (URLs can carry credentials). */
export interface ForwardConfig {
  id: string;
  url: string;
  filter: ForwardFilter | null;
  /** Original request headers forwarded besides the defaults (lowercase names). */
  headers: string[];
}

export interface CustomResponse {
  status: number;
  body: string;
  contentType: string;
}

export interface InboundEndpointRow {
  id: string;
  orgId: string;
  name: string;
  slug: string;
  verify: VerifyConfig;
  forwards: ForwardConfig[];
  /** `header:<name>` | `body:<path>`; null: the provider's default key. */
  dedupKey: string | null;
  /** 0: no dedup. */
  dedupWindowMs: number;
  ordered: boolean;
  bodyLimit: number;
  response: CustomResponse | null;
  paused: boolean;
  pausedMode: 'store' | 'refuse';
  /** At most `count` requests per `perSeconds` (1 or 60) across replicas; null: no limit. */
  rateLimit: { count: number; perSeconds: number } | null;
  createdAt: Date;
  updatedAt: Date;
}

export type NewInboundEndpoint = Omit<InboundEndpointRow, 'createdAt' | 'updatedAt'>;
export type InboundEndpointPatch = Partial<Omit<NewInboundEndpoint, 'id' | 'orgId'>>;

const COLUMNS = `id, org_id AS "orgId", name, slug, verify, forwards, dedup_key AS "dedupKey",
  dedup_window_ms::float8 AS "dedupWindowMs", ordered, body_limit AS "bodyLimit", response, paused,
  paused_mode AS "pausedMode",
  CASE WHEN rate_count IS NULL THEN NULL ELSE json_build_object('count', rate_count, 'perSeconds', rate_per_seconds) END
    AS "rateLimit", created_at AS "createdAt", updated_at AS "updatedAt"`;

/** Plain columns a patch may set, by property. */
const PLAIN = {
  name: 'name',
  slug: 'slug',
  dedupKey: 'dedup_key',
  dedupWindowMs: 'dedup_window_ms',
  ordered: 'ordered',
  bodyLimit: 'body_limit',
  response: 'response',
  paused: 'paused',
  pausedMode: 'paused_mode',
} as const;

/** Inbound endpoints (docs/decisions/0020); `verify` and `forwards` are handed out opened. */
export class InboundEndpointRepository {
  constructor(private readonly db: DataSource) {}

  async insert(row: NewInboundEndpoint, em: EntityManager = this.db.manager): Promise<InboundEndpointRow> {
    const [sealed] = await sealRows(em, 'inbound_endpoints', [row]);
    const [written] = await queryRows<InboundEndpointRow>(
      em,
      `INSERT INTO inbound_endpoints (id, org_id, name, slug, verify, forwards, dedup_key, dedup_window_ms, ordered,
         body_limit, response, paused, paused_mode, rate_count, rate_per_seconds)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING ${COLUMNS}`,
      [
        row.id,
        row.orgId,
        row.name,
        row.slug,
        sealed!.verify,
        sealed!.forwards,
        row.dedupKey,
        row.dedupWindowMs,
        row.ordered,
        row.bodyLimit,
        row.response === null ? null : JSON.stringify(row.response),
        row.paused,
        row.pausedMode,
        row.rateLimit?.count ?? null,
        row.rateLimit?.perSeconds ?? null,
      ],
    );
    return { ...written!, verify: row.verify, forwards: row.forwards };
  }

  /** Null for another org's endpoint, or an id that is not one. */
  async find(orgId: string, id: string, em: EntityManager = this.db.manager): Promise<InboundEndpointRow | null> {
    if (!isUuid(id)) return null;
    const rows = await queryRows<InboundEndpointRow>(
      em,
      `SELECT ${COLUMNS} FROM inbound_endpoints WHERE org_id = $1 AND id = $2`,
      [orgId, id],
    );
    return openOne(em, 'inbound_endpoints', rows[0] ?? null);
  }

  /** The endpoint a public request names (the slug is the only credential of `/in/<slug>`). */
  async findBySlug(slug: string, em: EntityManager = this.db.manager): Promise<InboundEndpointRow | null> {
    const rows = await queryRows<InboundEndpointRow>(em, `SELECT ${COLUMNS} FROM inbound_endpoints WHERE slug = $1`, [
      slug,
    ]);
    return openOne(em, 'inbound_endpoints', rows[0] ?? null);
  }

  async list(orgId: string, limit: number, cursor?: string): Promise<Page<InboundEndpointRow>> {
    const before = decodeCursor(cursor);
    const rows = await queryRows<InboundEndpointRow>(
      this.db.manager,
      `SELECT ${COLUMNS} FROM inbound_endpoints WHERE org_id = $1 AND ($2::uuid IS NULL OR id < $2)
        ORDER BY id DESC LIMIT $3`,
      [orgId, before ?? null, limit + 1],
    );
    return toPage(await openRows(this.db.manager, 'inbound_endpoints', rows), limit);
  }

  /** Only the fields given change. Null when there is no such endpoint in the org. */
  async update(
    orgId: string,
    id: string,
    patch: InboundEndpointPatch,
    em: EntityManager = this.db.manager,
  ): Promise<InboundEndpointRow | null> {
    if (!isUuid(id)) return null;
    const values: unknown[] = [orgId, id];
    const sets = ['updated_at = now()'];
    for (const [prop, column] of Object.entries(PLAIN) as [keyof typeof PLAIN, string][]) {
      if (patch[prop] === undefined) continue;
      const value = prop === 'response' && patch.response ? JSON.stringify(patch.response) : patch[prop];
      values.push(value);
      sets.push(`${column} = $${values.length}`);
    }
    if (patch.rateLimit !== undefined) {
      values.push(patch.rateLimit?.count ?? null, patch.rateLimit?.perSeconds ?? null);
      sets.push(`rate_count = $${values.length - 1}`, `rate_per_seconds = $${values.length}`);
    }
    if (patch.verify || patch.forwards) {
      const [sealed] = await sealRows(em, 'inbound_endpoints', [
        {
          id,
          orgId,
          ...(patch.verify ? { verify: patch.verify } : {}),
          ...(patch.forwards ? { forwards: patch.forwards } : {}),
        },
      ]);
      for (const column of ['verify', 'forwards'] as const) {
        if (!patch[column]) continue;
        values.push((sealed as Record<string, unknown>)[column]);
        sets.push(`${column} = $${values.length}`);
      }
    }
    const rows = await queryRows<InboundEndpointRow>(
      em,
      `UPDATE inbound_endpoints SET ${sets.join(', ')} WHERE org_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      values,
    );
    return openOne(em, 'inbound_endpoints', rows[0] ?? null);
  }

  /** Its events, dedup claims and forward links go with it (ON DELETE CASCADE); the tasks stay. */
  async delete(orgId: string, id: string, em: EntityManager = this.db.manager): Promise<boolean> {
    if (!isUuid(id)) return false;
    const rows = await queryRows(em, `DELETE FROM inbound_endpoints WHERE org_id = $1 AND id = $2 RETURNING id`, [
      orgId,
      id,
    ]);
    return rows.length > 0;
  }
}
