import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import type { OrganizationEntity } from '@hourglass/db';
import type { Plan } from '@hourglass/domain';
import { RefusesNull } from '@hourglass/platform';

@RefusesNull()
export class CreateOrgDto {
  @ApiProperty({ example: 'Acme', minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiPropertyOptional({
    default: 'free',
    minLength: 1,
    maxLength: 50,
    description: 'A plan from the configuration (free, pro, or HOURGLASS_PLANS)',
  })
  @IsOptional()
  @IsString()
  @Length(1, 50)
  plan?: string;

  @ApiPropertyOptional({ type: 'integer', description: "Default: the plan's", minimum: 1, maximum: 3650 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3650)
  retentionDays?: number;
}

/** The operator's changes to an org; the plan's limits apply from the org's next request. */
@RefusesNull()
export class UpdateOrgDto extends PartialType(CreateOrgDto) {}

export interface OrgResponse {
  id: string;
  name: string;
  plan: string;
  retentionDays: number;
  createdAt: string;
}

/** The calling org's own view: its plan's limits and this month's usage against them. */
export interface OwnOrgResponse extends OrgResponse {
  quotas: Plan;
  usage: { tasksThisMonth: number };
}

/** Only at creation: the signing secret in full, so the org can verify webhook signatures. */
export interface CreatedOrgResponse extends OrgResponse {
  signingSecret: string;
}

export function toOrgResponse(org: OrganizationEntity): OrgResponse {
  return {
    id: org.id,
    name: org.name,
    plan: org.plan,
    retentionDays: org.retentionDays,
    createdAt: org.createdAt.toISOString(),
  };
}
