import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { ApiProblems } from '../docs/problem.js';
import { CreatedOrg, Org, OwnOrg } from './orgs.responses.js';
import { AdminRoute, Auth, type AuthContext } from '../auth/auth.decorators.js';
import {
  type CreatedOrgResponse,
  CreateOrgDto,
  type OrgResponse,
  type OwnOrgResponse,
  UpdateOrgDto,
} from './orgs.dto.js';
import { OrgsService } from './orgs.service.js';

@AdminRoute()
@Controller('v1/admin/orgs')
export class AdminOrgsController {
  constructor(@Inject(OrgsService) private readonly orgs: OrgsService) {}

  @Post()
  @ApiOperation({ summary: 'Create an organization (admin token); the signing secret is shown only here' })
  @ApiCreatedResponse({ type: CreatedOrg })
  create(@Body() dto: CreateOrgDto): Promise<CreatedOrgResponse> {
    return this.orgs.create(dto);
  }

  @Patch(':orgId')
  @ApiOperation({ summary: "Change an organization's name, plan or retention (admin token)" })
  @ApiOkResponse({ type: Org })
  @ApiProblems(404)
  update(@Param('orgId') orgId: string, @Body() dto: UpdateOrgDto): Promise<OrgResponse> {
    return this.orgs.update(orgId, dto);
  }

  @Delete(':orgId')
  @HttpCode(204)
  @ApiOperation({
    summary:
      'Delete an organization (admin token): its data key is destroyed at once, so its data is unreadable ' +
      'and its API keys stop working; its rows are purged in the background',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblems(404)
  delete(@Param('orgId') orgId: string): Promise<void> {
    return this.orgs.delete(orgId);
  }
}

@Controller('v1/org')
export class OrgController {
  constructor(@Inject(OrgsService) private readonly orgs: OrgsService) {}

  @Get()
  @ApiOperation({ summary: "The calling key's organization, its plan's quotas and this month's usage" })
  @ApiOkResponse({ type: OwnOrg })
  get(@Auth() auth: AuthContext): Promise<OwnOrgResponse> {
    return this.orgs.get(auth.orgId);
  }
}
