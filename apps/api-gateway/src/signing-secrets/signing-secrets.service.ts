import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { generateSigningSecret, KeyRing, signingSecretAad } from '@hourglass/crypto';
import {
  AuditTrail,
  Channel,
  isUuid,
  newId,
  notify,
  SigningSecretRepository,
  type SigningSecretRow,
} from '@hourglass/db';
import { type Actor, AppError, ErrorCode, parseDuration, REDACTED } from '@hourglass/domain';
import { entry } from '../audit/audit-entries.js';
import {
  type CreatedSigningSecretResponse,
  type RotateSigningSecretDto,
  type SigningSecretResponse,
  toSigningSecretResponse,
} from './signing-secrets.dto.js';

const DEFAULT_OVERLAP_MS = 24 * 3_600_000;
const MAX_OVERLAP_MS = 30 * 24 * 3_600_000;
/** Every delivery carries one signature per active secret: 10 keep the header well under a receiver's 16 KB. */
const MAX_ACTIVE_SECRETS = 10;

/**
 * Rotation of an org's webhook signing secrets. Every change NOTIFYs the dispatchers on commit, so
 * they drop their cached secrets at once (without the hint they re-read within 30 s).
 */
@Injectable()
export class SigningSecretsService {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(SigningSecretRepository) private readonly secrets: SigningSecretRepository,
    @Inject(KeyRing) private readonly keyRing: KeyRing,
    @Inject(AuditTrail) private readonly audit: AuditTrail,
  ) {}

  async list(orgId: string): Promise<{ data: SigningSecretResponse[]; nextCursor: null }> {
    const rows = await this.secrets.listForOrg(orgId);
    return { data: rows.map((row) => this.toResponse(row)), nextCursor: null };
  }

  async rotate(orgId: string, actor: Actor, dto: RotateSigningSecretDto): Promise<CreatedSigningSecretResponse> {
    const overlapMs = dto.overlap === undefined ? DEFAULT_OVERLAP_MS : parseDuration(dto.overlap)!;
    if (overlapMs > MAX_OVERLAP_MS) {
      throw new AppError(ErrorCode.VALIDATION_FAILED, 'The request is not valid', [
        { field: 'overlap', message: 'must be at most 30d' },
      ]);
    }
    const signingSecret = generateSigningSecret();
    const row = await this.db.transaction(async (em) => {
      if ((await this.secrets.countActiveLocked(orgId, em)) >= MAX_ACTIVE_SECRETS) return 'full';
      const created = await this.secrets.rotate(
        orgId,
        newId(),
        this.keyRing.seal(signingSecret, signingSecretAad(orgId)),
        overlapMs,
        em,
      );
      // That a secret was made, never its value.
      if (created) await this.audit.record(em, [secretEntry(actor, orgId, 'rotated', created.id, null, REDACTED)]);
      await notify(em, Channel.SigningSecretsChanged, orgId);
      return created;
    });
    if (!row) throw new AppError(ErrorCode.ORG_NOT_FOUND, `No organization ${orgId}`);
    if (row === 'full') {
      throw new AppError(
        ErrorCode.CONFLICT,
        `${MAX_ACTIVE_SECRETS} signing secrets are active already; revoke the previous ones before rotating again`,
      );
    }
    return { ...toSigningSecretResponse(row, signingSecret), signingSecret };
  }

  /** Another org's secret, a revoked one and a malformed id all look missing: 404. */
  async revoke(orgId: string, actor: Actor, id: string): Promise<void> {
    const result = !isUuid(id)
      ? 'missing'
      : await this.db.transaction(async (em) => {
          const outcome = await this.secrets.revoke(orgId, id, em);
          if (typeof outcome !== 'string') {
            await this.audit.record(em, [secretEntry(actor, orgId, 'revoked', id, REDACTED, null)]);
            await notify(em, Channel.SigningSecretsChanged, orgId);
          }
          return outcome;
        });
    if (result === 'missing') throw new AppError(ErrorCode.NOT_FOUND, `No signing secret ${id} in this organization`);
    if (result === 'newest')
      throw new AppError(ErrorCode.CONFLICT, `Signing secret ${id} is the newest one; rotate before revoking it`);
  }

  async revokePrevious(orgId: string, actor: Actor): Promise<{ data: SigningSecretResponse[] }> {
    const revoked = await this.db.transaction(async (em) => {
      const rows = await this.secrets.revokeAllButNewest(orgId, em);
      await this.audit.record(
        em,
        rows.map((row) => secretEntry(actor, orgId, 'revoked', row.id, REDACTED, null)),
      );
      if (rows.length > 0) await notify(em, Channel.SigningSecretsChanged, orgId);
      return rows;
    });
    return { data: revoked.map((row) => this.toResponse(row)) };
  }

  private toResponse(row: SigningSecretRow): SigningSecretResponse {
    return toSigningSecretResponse(row, this.keyRing.open(row.sealed, signingSecretAad(row.orgId)));
  }
}

const secretEntry = (
  actor: Actor,
  orgId: string,
  verb: string,
  id: string,
  before: string | null,
  after: string | null,
) => entry(actor, orgId, `signing_secret.${verb}`, id, { secret: before }, { secret: after });
