import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  API_KEY_SCOPES,
  type ApiKeyEntity,
  ApiKeyRepository,
  AuditTrail,
  type ApiKeyScope,
  isUuid,
  newId,
  OrganizationRepository,
} from '@hourglass/db';
import { generateApiKey } from '@hourglass/crypto';
import { type Actor, ADMIN_ACTOR, AppError, ErrorCode } from '@hourglass/domain';
import { entry } from '../audit/audit-entries.js';
import { ApiKeyAuthenticator } from '../auth/api-key-authenticator.js';
import type { AuthContext } from '../auth/auth.decorators.js';
import {
  type ApiKeyResponse,
  type CreateApiKeyDto,
  type CreatedApiKeyResponse,
  DEFAULT_GRACE_SECONDS,
  type RotateApiKeyDto,
  toApiKeyResponse,
} from './api-keys.dto.js';
import { assertWithinMintingBounds } from './minting-bounds.js';

/** The operator's first key for an org can manage the org's keys; keys an org makes itself default to read + write. */
const OPERATOR_DEFAULT_SCOPES: ApiKeyScope[] = [...API_KEY_SCOPES];
const ORG_DEFAULT_SCOPES: ApiKeyScope[] = ['read', 'write'];
/** What the audit log shows of a key: never its secret or hash. */
const API_KEY_AUDITED = ['name', 'scopes', 'expiresAt'] as const;
const ROTATABLE = { replacedBy: null, graceEndsAt: null };
/** `createdBy` of a key the operator's admin token made. */
const OPERATOR = 'admin' as const;

const notFound = (id: string) => new AppError(ErrorCode.API_KEY_NOT_FOUND, `No API key ${id} in this organization`);
const alreadyRotated = (id: string) =>
  new AppError(ErrorCode.API_KEY_ALREADY_ROTATED, `API key ${id} was already rotated: rotate its replacement`);

@Injectable()
export class ApiKeysService {
  constructor(
    @Inject(ApiKeyRepository) private readonly keys: ApiKeyRepository,
    @Inject(OrganizationRepository) private readonly orgs: OrganizationRepository,
    @Inject(ApiKeyAuthenticator) private readonly authenticator: ApiKeyAuthenticator,
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(AuditTrail) private readonly audit: AuditTrail,
  ) {}

  async createForOrgByOperator(orgId: string, dto: CreateApiKeyDto): Promise<CreatedApiKeyResponse> {
    if (!isUuid(orgId) || !(await this.orgs.findById(orgId)))
      throw new AppError(ErrorCode.ORG_NOT_FOUND, `No organization ${orgId}`);
    return this.create(orgId, dto, OPERATOR_DEFAULT_SCOPES, OPERATOR);
  }

  createForOwnOrg(auth: AuthContext, dto: CreateApiKeyDto): Promise<CreatedApiKeyResponse> {
    return this.create(auth.orgId, dto, ORG_DEFAULT_SCOPES, auth);
  }

  async get(orgId: string, id: string): Promise<ApiKeyResponse> {
    const row = isUuid(id) ? await this.keys.findForOrg(orgId, id) : null;
    if (!row) throw notFound(id);
    return toApiKeyResponse(row);
  }

  /**
   * A new key with the old one's name, scopes and expiry; the old one works until the grace ends
   * (docs/decisions/0015). This replica forgets the old key's cache entry at once, so it reads the grace end.
   */
  async rotate(auth: AuthContext, id: string, dto: RotateApiKeyDto): Promise<CreatedApiKeyResponse> {
    const old = await this.rotatable(auth.orgId, id);
    assertWithinMintingBounds(auth, old.scopes, old.expiresAt);
    const generated = generateApiKey();
    const rotated = await this.keys.rotate(
      auth.orgId,
      id,
      dto.graceSeconds ?? DEFAULT_GRACE_SECONDS,
      {
        id: newId(),
        orgId: auth.orgId,
        keyId: generated.keyId,
        secretHash: generated.secretHash,
        name: old.name,
        scopes: old.scopes,
        expiresAt: old.expiresAt,
        createdBy: auth.keyId,
      },
      (em, before, replacement) =>
        this.audit.record(em, [
          entry(actorOf(auth), auth.orgId, 'api_key.rotated', id, ROTATABLE, before, ['replacedBy', 'graceEndsAt']),
          entry(actorOf(auth), auth.orgId, 'api_key.created', replacement.id, null, replacement, API_KEY_AUDITED),
        ]),
    );
    this.authenticator.forget(id);
    // Lost a race with another rotation, a revocation or the expiry: answer as if it had come first.
    if (!rotated) {
      await this.rotatable(auth.orgId, id); // throws what changed
      throw alreadyRotated(id);
    }
    return { ...toApiKeyResponse(rotated.replacement), key: generated.key };
  }

  async list(orgId: string): Promise<{ data: ApiKeyResponse[] }> {
    return { data: (await this.keys.listForOrg(orgId)).map(toApiKeyResponse) };
  }

  async revoke(orgId: string, actor: Actor, id: string): Promise<void> {
    const revoked =
      isUuid(id) &&
      (await this.db.transaction(async (em) => {
        if (!(await this.keys.revoke(orgId, id, em))) return false;
        await this.audit.record(em, [
          entry(actor, orgId, 'api_key.revoked', id, { revoked: false }, { revoked: true }),
        ]);
        return [id, ...(await this.keys.endGraceOfReplaced(orgId, id, em))];
      }));
    if (!revoked) throw notFound(id);
    for (const gone of revoked) this.authenticator.forget(gone);
  }

  /** The key, when it can be rotated: the org's, not yet rotated, not revoked or expired. */
  private async rotatable(orgId: string, id: string): Promise<ApiKeyEntity> {
    const found = isUuid(id) ? await this.keys.findAnyForOrg(orgId, id) : null;
    if (!found) throw notFound(id);
    if (found.row.replacedBy) throw alreadyRotated(id);
    if (found.expired)
      throw new AppError(ErrorCode.API_KEY_EXPIRED, `API key ${id} was revoked or has expired: create a new one`);
    return found.row;
  }

  private async create(
    orgId: string,
    dto: CreateApiKeyDto,
    defaultScopes: ApiKeyScope[],
    minter: AuthContext | typeof OPERATOR,
  ): Promise<CreatedApiKeyResponse> {
    let expiresAt = dto.expiresAt ? new Date(dto.expiresAt) : null;
    if (expiresAt && expiresAt.getTime() <= Date.now()) {
      throw new AppError(ErrorCode.VALIDATION_FAILED, 'The request is not valid', [
        { field: 'expiresAt', message: 'must be in the future' },
      ]);
    }
    const scopes = dto.scopes ?? defaultScopes;
    if (minter !== OPERATOR) {
      // Without an expiry of its own, a key made by an expiring key ends when its maker does.
      expiresAt ??= minter.endsAt;
      assertWithinMintingBounds(minter, scopes, expiresAt);
    }
    const generated = generateApiKey();
    const row = await this.db.transaction(async (em) => {
      const key = await this.keys.insert(
        {
          id: newId(),
          orgId,
          keyId: generated.keyId,
          secretHash: generated.secretHash,
          name: dto.name ?? 'default',
          scopes,
          expiresAt,
          createdBy: minter === OPERATOR ? OPERATOR : minter.keyId,
        },
        em,
      );
      const actor = minter === OPERATOR ? ADMIN_ACTOR : actorOf(minter);
      await this.audit.record(em, [entry(actor, orgId, 'api_key.created', key.id, null, key, API_KEY_AUDITED)]);
      return key;
    });
    return { ...toApiKeyResponse({ ...row, lastUsedAt: null }), key: generated.key };
  }
}

const actorOf = (auth: AuthContext): Actor => ({ type: 'api_key', id: auth.keyId });
