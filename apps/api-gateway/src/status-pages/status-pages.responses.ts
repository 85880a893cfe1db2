import { ApiProperty } from '@nestjs/swagger';
import type { StatusPageRow } from '@hourglass/db';

export class StatusPage {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  slug!: string;

  @ApiProperty()
  title!: string;

  @ApiProperty({ type: [String], format: 'uuid' })
  monitorIds!: string[];

  @ApiProperty({ description: 'The public page: <public base>/status/<slug> (and <slug>.json)' })
  url!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}

export class StatusPagePage {
  @ApiProperty({ type: [StatusPage] })
  data!: StatusPage[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}

export function toStatusPageResponse(row: StatusPageRow, publicBase: string): StatusPage {
  return {
    id: row.id,
    slug: row.slug,
    title: row.title,
    monitorIds: row.monitorIds,
    url: `${publicBase}/status/${row.slug}`,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
