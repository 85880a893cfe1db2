import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  API_KEY_SCOPES,
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
import {
  type ApiKeyResponse,
  type CreateApiKeyDto,
  type CreatedApiKeyResponse,
  toApiKeyResponse,
} from './api-keys.dto.js';

/** The operator's first key for an org can manage the org's keys; keys an org makes itself default to read + write. */
const OPERATOR_DEFAULT_SCOPES: ApiKeyScope[] = [...API_KEY_SCOPES];
const ORG_DEFAULT_SCOPES: ApiKeyScope[] = ['read', 'write'];
const API_KEY_AUDITED = ['name', 'scopes', 'expiresAt'] as const;

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
    return this.create(orgId, ADMIN_ACTOR, dto, OPERATOR_DEFAULT_SCOPES);
  }

  createForOwnOrg(orgId: string, actor: Actor, dto: CreateApiKeyDto): Promise<CreatedApiKeyResponse> {
    return this.create(orgId, actor, dto, ORG_DEFAULT_SCOPES);
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
        return true;
      }));
    if (!revoked) throw new AppError(ErrorCode.API_KEY_NOT_FOUND, `No API key ${id} in this organization`);
    this.authenticator.forget(id);
  }

  private async create(
    orgId: string,
    actor: Actor,
    dto: CreateApiKeyDto,
    defaultScopes: ApiKeyScope[],
  ): Promise<CreatedApiKeyResponse> {
    const expiresAt = dto.expiresAt ? new Date(dto.expiresAt) : null;
    if (expiresAt && expiresAt.getTime() <= Date.now()) {
      throw new AppError(ErrorCode.VALIDATION_FAILED, 'The request is not valid', [
        { field: 'expiresAt', message: 'must be in the future' },
      ]);
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
          scopes: dto.scopes ?? defaultScopes,
          expiresAt,
        },
        em,
      );
      // The key's name, scopes and expiry; never its secret or hash.
      await this.audit.record(em, [entry(actor, orgId, 'api_key.created', key.id, null, key, API_KEY_AUDITED)]);
      return key;
    });
    return { ...toApiKeyResponse({ ...row, lastUsedAt: null }), key: generated.key };
  }
}
