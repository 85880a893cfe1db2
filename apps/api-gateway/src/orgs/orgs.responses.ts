import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { CreatedOrgResponse, OrgResponse, OwnOrgResponse } from './orgs.dto.js';

/** What the org routes answer (toOrgResponse). */
export class Org implements OrgResponse {
  @ApiProperty()
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ example: 'free' })
  plan!: string;

  @ApiProperty({ type: 'integer', minimum: 1 })
  retentionDays!: number;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

export class CreatedOrg extends Org implements CreatedOrgResponse {
  @ApiProperty({ pattern: '^whsec_', description: 'Shown only here: verifies webhook signatures' })
  signingSecret!: string;
}

export class PlanQuotas {
  @ApiProperty({ type: 'integer' })
  tier!: number;

  @ApiProperty({ type: 'integer' })
  minScheduleIntervalMs!: number;

  @ApiProperty({ type: 'integer' })
  maxSchedules!: number;

  @ApiPropertyOptional({
    type: 'integer',
    description: 'Monitors allowed (the schedule limit when the plan names none)',
  })
  maxMonitors?: number;

  @ApiProperty({ type: 'integer' })
  tasksPerMonth!: number;

  @ApiProperty({ type: 'integer' })
  retentionDays!: number;

  @ApiProperty({ type: 'integer', description: 'Days audit log entries are kept' })
  auditRetentionDays!: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Requests per window for each API key (0: no limit)' })
  rateLimitPerKey!: number;

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: "Requests per window for all of the org's keys (0: no limit)",
  })
  rateLimitPerOrg!: number;

  @ApiProperty({ type: 'integer', minimum: 1 })
  rateLimitWindowSeconds!: number;
}

export class OrgUsage {
  @ApiProperty({ type: 'integer', minimum: 0 })
  tasksThisMonth!: number;
}

export class OwnOrg extends Org implements OwnOrgResponse {
  @ApiProperty({ type: PlanQuotas })
  quotas!: PlanQuotas;

  @ApiProperty({ type: OrgUsage })
  usage!: OrgUsage;
}
