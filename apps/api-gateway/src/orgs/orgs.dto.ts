import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import type { OrganizationEntity } from '@hourglass/db';

export class CreateOrgDto {
  @ApiProperty({ example: 'Acme' }) @IsString() @Length(1, 200)
  name!: string;

  @ApiPropertyOptional({ default: 'free' }) @IsOptional() @IsString() @Length(1, 50)
  plan?: string;

  @ApiPropertyOptional({ default: 30, minimum: 1, maximum: 3650 }) @IsOptional() @IsInt() @Min(1) @Max(3650)
  retentionDays?: number;
}

export interface OrgResponse {
  id: string;
  name: string;
  plan: string;
  retentionDays: number;
  createdAt: string;
}

/** Only at creation: the signing secret in full, so the org can verify webhook signatures. */
export interface CreatedOrgResponse extends OrgResponse {
  signingSecret: string;
}

export function toOrgResponse(org: OrganizationEntity): OrgResponse {
  return { id: org.id, name: org.name, plan: org.plan, retentionDays: org.retentionDays, createdAt: org.createdAt.toISOString() };
}
