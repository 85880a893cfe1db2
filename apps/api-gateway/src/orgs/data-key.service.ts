import { Inject, Injectable } from '@nestjs/common';
import { AuditTrail, DataKeyRepository, type DataKeyVersion, isUuid } from '@hourglass/db';
import { ADMIN_ACTOR, AppError, ErrorCode } from '@hourglass/domain';
import { entry } from '../audit/audit-entries.js';

export interface DataKeyVersionResponse {
  version: number;
  masterVersion: string;
  createdAt: string;
}

export interface DataKeyStatusResponse {
  orgId: string;
  /** The version that seals new values. */
  version: number;
  /** Every version still kept, oldest first: more than one while a rotation's re-seal is under way. */
  versions: DataKeyVersionResponse[];
  rotationPending: boolean;
}

const toVersionResponse = (row: DataKeyVersion): DataKeyVersionResponse => ({
  version: row.version,
  masterVersion: row.masterVersion,
  createdAt: row.createdAt.toISOString(),
});

/** An org's data keys for the operator: their versions, and rotation (docs/decisions/0014). */
@Injectable()
export class DataKeyService {
  constructor(
    @Inject(DataKeyRepository) private readonly dataKeys: DataKeyRepository,
    @Inject(AuditTrail) private readonly audit: AuditTrail,
  ) {}

  async status(orgId: string): Promise<DataKeyStatusResponse> {
    const versions = isUuid(orgId) ? await this.dataKeys.versionsOf(orgId) : [];
    if (versions.length === 0) throw new AppError(ErrorCode.ORG_NOT_FOUND, `No organization ${orgId}`);
    return {
      orgId,
      version: versions.at(-1)!.version,
      versions: versions.map(toVersionResponse),
      rotationPending: versions.length > 1,
    };
  }

  /** A new version seals from now on; the scheduler's leader re-seals older rows under it, then destroys the rest. */
  async rotate(orgId: string): Promise<DataKeyStatusResponse> {
    const rotated = isUuid(orgId)
      ? await this.dataKeys.rotate(orgId, (em, version) =>
          this.audit.record(em, [
            entry(ADMIN_ACTOR, orgId, 'data_key.rotated', orgId, { version: version - 1 }, { version }),
          ]),
        )
      : 'not_found';
    if (rotated === 'not_found') throw new AppError(ErrorCode.ORG_NOT_FOUND, `No organization ${orgId}`);
    if (rotated === 'versions_exhausted')
      throw new AppError(ErrorCode.CONFLICT, 'This organization has used every data-key version (65,535)');
    return this.status(orgId);
  }
}
