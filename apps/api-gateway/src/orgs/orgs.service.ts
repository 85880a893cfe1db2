import { Inject, Injectable } from '@nestjs/common';
import { newId, OrganizationRepository } from '@hourglass/db';
import { generateSigningSecret, KeyRing } from '@hourglass/crypto';
import { AppError, ErrorCode } from '@hourglass/domain';
import { type CreatedOrgResponse, type CreateOrgDto, type OrgResponse, toOrgResponse } from './orgs.dto.js';

/** The AAD a sealed signing secret is bound to (the dispatcher opens it with the same string). */
export const signingSecretAad = (orgId: string) => `org:${orgId}:signing-secret`;

@Injectable()
export class OrgsService {
  constructor(
    @Inject(OrganizationRepository) private readonly orgs: OrganizationRepository,
    @Inject(KeyRing) private readonly keyRing: KeyRing,
  ) {}

  async create(dto: CreateOrgDto): Promise<CreatedOrgResponse> {
    const id = newId();
    const signingSecret = generateSigningSecret();
    const org = await this.orgs.insert({
      id,
      name: dto.name,
      plan: dto.plan ?? 'free',
      retentionDays: dto.retentionDays ?? 30,
      signingSecrets: [this.keyRing.seal(signingSecret, signingSecretAad(id))],
    });
    return { ...toOrgResponse(org), signingSecret };
  }

  async get(orgId: string): Promise<OrgResponse> {
    const org = await this.orgs.findById(orgId);
    if (!org) throw new AppError(ErrorCode.ORG_NOT_FOUND, `No organization ${orgId}`);
    return toOrgResponse(org);
  }
}
