import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { AdminRoute, Auth, type AuthContext, RequireScope } from '../auth/auth.decorators.js';
import { type ApiKeyResponse, CreateApiKeyDto, type CreatedApiKeyResponse } from './api-keys.dto.js';
import { ApiKeysService } from './api-keys.service.js';

@AdminRoute()
@Controller('v1/admin/orgs/:orgId/api-keys')
export class AdminApiKeysController {
  constructor(@Inject(ApiKeysService) private readonly keys: ApiKeysService) {}

  @Post()
  @ApiOperation({ summary: 'Create an API key for an organization (admin token); the key is shown only here' })
  create(@Param('orgId') orgId: string, @Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyResponse> {
    return this.keys.createForOrgByOperator(orgId, dto);
  }
}

@RequireScope('admin')
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(@Inject(ApiKeysService) private readonly keys: ApiKeysService) {}

  @Post()
  @ApiOperation({ summary: "Create a key for the caller's organization; the key is shown only here" })
  create(@Auth() auth: AuthContext, @Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyResponse> {
    return this.keys.createForOwnOrg(auth.orgId, dto);
  }

  @Get()
  @ApiOperation({ summary: "The caller's organization's active keys (never their secrets)" })
  list(@Auth() auth: AuthContext): Promise<{ data: ApiKeyResponse[] }> {
    return this.keys.list(auth.orgId);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a key' })
  revoke(@Auth() auth: AuthContext, @Param('id') id: string): Promise<void> {
    return this.keys.revoke(auth.orgId, id);
  }
}
