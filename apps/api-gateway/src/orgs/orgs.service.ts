import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  AuditTrail,
  Channel,
  cipherOf,
  isUuid,
  newId,
  notify,
  OrganizationRepository,
  UsageRepository,
} from '@hourglass/db';
import { generateSigningSecret, KeyRing, signingSecretAad } from '@hourglass/crypto';
import { ADMIN_ACTOR, AppError, ErrorCode, planFor, REDACTED } from '@hourglass/domain';
import { entry } from '../audit/audit-entries.js';
import { APP_CONFIG } from '@hourglass/platform';
import type { ApiGatewayConfig } from '../config.js';
import { ApiKeyAuthenticator } from '../auth/api-key-authenticator.js';
import {
  type CreatedOrgResponse,
  type CreateOrgDto,
  type OrgResponse,
  type OwnOrgResponse,
  toOrgResponse,
  type UpdateOrgDto,
} from './orgs.dto.js';

const ORG_AUDITED = ['name', 'plan', 'retentionDays', 'signingSecret'] as const;

@Injectable()
export class OrgsService {
  constructor(
    @Inject(OrganizationRepository) private readonly orgs: OrganizationRepository,
    @Inject(UsageRepository) private readonly usage: UsageRepository,
    @Inject(KeyRing) private readonly keyRing: KeyRing,
    @Inject(APP_CONFIG) private readonly config: ApiGatewayConfig,
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(ApiKeyAuthenticator) private readonly authenticator: ApiKeyAuthenticator,
    @Inject(AuditTrail) private readonly audit: AuditTrail,
  ) {}

  /** The secret goes into the legacy array; the migration's insert trigger copies it into org_signing_secrets. */
  async create(dto: CreateOrgDto): Promise<CreatedOrgResponse> {
    const id = newId();
    const plan = this.knownPlan(dto.plan ?? 'free');
    const signingSecret = generateSigningSecret();
    const org = await this.db.transaction(async (em) => {
      const row = await this.orgs.insert(
        {
          id,
          name: dto.name,
          plan,
          retentionDays: dto.retentionDays ?? planFor(this.config.plans, plan).retentionDays,
          signingSecrets: [this.keyRing.seal(signingSecret, signingSecretAad(id))],
        },
        em,
      );
      const created = { ...row, signingSecret: REDACTED };
      await this.audit.record(em, [entry(ADMIN_ACTOR, id, 'org.created', id, null, created, ORG_AUDITED)]);
      return row;
    });
    return { ...toOrgResponse(org), signingSecret };
  }

  /** A plan change keeps an explicit retentionDays; without one the org takes the new plan's. */
  async update(orgId: string, dto: UpdateOrgDto): Promise<OrgResponse> {
    const plan = dto.plan === undefined ? undefined : this.knownPlan(dto.plan);
    const retentionDays =
      dto.retentionDays ?? (plan === undefined ? undefined : planFor(this.config.plans, plan).retentionDays);
    const changes = Object.fromEntries(
      Object.entries({ name: dto.name, plan, retentionDays }).filter(([, v]) => v !== undefined),
    );
    const org = !isUuid(orgId)
      ? null
      : await this.db.transaction(async (em) => {
          const before = await this.orgs.findById(orgId, em);
          const after = before && (await this.orgs.updateSettings(orgId, changes, em));
          if (after)
            await this.audit.record(em, [entry(ADMIN_ACTOR, orgId, 'org.updated', orgId, before, after, ORG_AUDITED)]);
          return after;
        });
    if (!org) throw new AppError(ErrorCode.ORG_NOT_FOUND, `No organization ${orgId}`);
    return toOrgResponse(org);
  }

  /**
   * Crypto-shredding (docs/decisions/0014): one transaction destroys the org's data keys, marks it
   * deleted and revokes its keys; this replica forgets its cached keys at once and dispatchers on
   * the NOTIFY. Other gateway replicas accept its API keys for at most their key-cache TTL. The
   * scheduler's leader purges its rows afterwards.
   */
  async delete(orgId: string): Promise<void> {
    const deleted =
      isUuid(orgId) &&
      (await this.db.transaction(async (em) => {
        if (!(await this.orgs.findById(orgId, em))) return false;
        // Sealed before the org's key is destroyed; purged with the org's other rows (docs/decisions/0016).
        await this.audit.record(em, [
          entry(ADMIN_ACTOR, orgId, 'org.deleted', orgId, { deleted: false }, { deleted: true }),
        ]);
        // Deleted concurrently: the rollback takes the audit entry back.
        if (!(await this.orgs.markDeleted(orgId, em))) throw notFound(orgId);
        await notify(em, Channel.OrgDeleted, orgId);
        return true;
      }));
    if (!deleted) throw notFound(orgId);
    cipherOf(this.db).keys.forget(orgId);
    this.authenticator.forgetOrg(orgId);
  }

  async get(orgId: string): Promise<OwnOrgResponse> {
    const [org, usage] = await Promise.all([this.orgs.findById(orgId), this.usage.tasksThisMonth([orgId])]);
    if (!org) throw new AppError(ErrorCode.ORG_NOT_FOUND, `No organization ${orgId}`);
    return {
      ...toOrgResponse(org),
      quotas: { ...planFor(this.config.plans, org.plan) },
      usage: { tasksThisMonth: usage.get(orgId) ?? 0 },
    };
  }

  private knownPlan(name: string): string {
    if (Object.hasOwn(this.config.plans, name)) return name;
    const known = Object.keys(this.config.plans).join(', ');
    throw new AppError(ErrorCode.VALIDATION_FAILED, 'The request is not valid', [
      { field: 'plan', message: `must be one of: ${known}` },
    ]);
  }
}

const notFound = (orgId: string) => new AppError(ErrorCode.ORG_NOT_FOUND, `No organization ${orgId}`);
