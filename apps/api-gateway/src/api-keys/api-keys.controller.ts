import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { ApiProblems } from '../docs/problem.js';
import { ApiKey, ApiKeyList, CreatedApiKey } from './api-keys.responses.js';
import { Actor, AdminRoute, Auth, type AuthContext, RequireScope } from '../auth/auth.decorators.js';
import type { Actor as AuditActor } from '@hourglass/domain';
import { type ApiKeyResponse, CreateApiKeyDto, type CreatedApiKeyResponse, RotateApiKeyDto } from './api-keys.dto.js';
import { ApiKeysService } from './api-keys.service.js';

@AdminRoute()
@Controller('v1/admin/orgs/:orgId/api-keys')
export class AdminApiKeysController {
  constructor(@Inject(ApiKeysService) private readonly keys: ApiKeysService) {}

  @Post()
  @ApiOperation({ summary: 'Create an API key for an organization (admin token); the key is shown only here' })
  @ApiCreatedResponse({ type: CreatedApiKey })
  @ApiProblems(404)
  create(@Param('orgId') orgId: string, @Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyResponse> {
    return this.keys.createForOrgByOperator(orgId, dto);
  }
}

@RequireScope('admin')
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(@Inject(ApiKeysService) private readonly keys: ApiKeysService) {}

  @Post()
  @ApiOperation({
    summary: "Create a key for the caller's organization; the key is shown only here",
    description:
      "Within the caller's own scopes and expiry, and never the admin scope (403 API_KEY_PRIVILEGE_EXCEEDED)",
  })
  @ApiCreatedResponse({ type: CreatedApiKey })
  create(@Auth() auth: AuthContext, @Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyResponse> {
    return this.keys.createForOwnOrg(auth, dto);
  }

  @Post(':id/rotate')
  @ApiOperation({ summary: 'A new key replacing this one, which keeps working until the grace ends; shown only here' })
  @ApiCreatedResponse({ type: CreatedApiKey })
  @ApiProblems(404, 409)
  rotate(
    @Auth() auth: AuthContext,
    @Param('id') id: string,
    @Body() dto: RotateApiKeyDto,
  ): Promise<CreatedApiKeyResponse> {
    return this.keys.rotate(auth, id, dto);
  }

  @Get(':id')
  @ApiOperation({ summary: "One key of the caller's organization (never its secret)" })
  @ApiOkResponse({ type: ApiKey })
  @ApiProblems(404)
  get(@Auth() auth: AuthContext, @Param('id') id: string): Promise<ApiKeyResponse> {
    return this.keys.get(auth.orgId, id);
  }

  @Get()
  @ApiOperation({ summary: "The caller's organization's active keys (never their secrets)" })
  @ApiOkResponse({ type: ApiKeyList })
  list(@Auth() auth: AuthContext): Promise<{ data: ApiKeyResponse[] }> {
    return this.keys.list(auth.orgId);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a key' })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiProblems(404)
  revoke(@Auth() auth: AuthContext, @Actor() actor: AuditActor, @Param('id') id: string): Promise<void> {
    return this.keys.revoke(auth.orgId, actor, id);
  }
}
