import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { ApiProblems } from '../docs/problem.js';
import { CreatedSigningSecret, SigningSecretList, SigningSecretPage } from './signing-secrets.responses.js';
import { Actor, Auth, type AuthContext, RequireScope } from '../auth/auth.decorators.js';
import type { Actor as AuditActor } from '@hourglass/domain';
import {
  type CreatedSigningSecretResponse,
  RotateSigningSecretDto,
  type SigningSecretResponse,
} from './signing-secrets.dto.js';
import { SigningSecretsService } from './signing-secrets.service.js';

@RequireScope('admin')
@Controller('v1/org/signing-secrets')
export class SigningSecretsController {
  constructor(@Inject(SigningSecretsService) private readonly secrets: SigningSecretsService) {}

  @Get()
  @ApiOperation({ summary: "The organization's webhook signing secrets, newest first (never the secrets themselves)" })
  @ApiOkResponse({ type: SigningSecretPage })
  list(@Auth() auth: AuthContext): Promise<{ data: SigningSecretResponse[]; nextCursor: null }> {
    return this.secrets.list(auth.orgId);
  }

  @Post('rotate')
  @ApiOperation({
    summary:
      'Create a signing secret that signs from now on; the current ones keep signing for the overlap (default 24h)',
  })
  @ApiCreatedResponse({ type: CreatedSigningSecret })
  rotate(
    @Auth() auth: AuthContext,
    @Actor() actor: AuditActor,
    @Body() dto: RotateSigningSecretDto,
  ): Promise<CreatedSigningSecretResponse> {
    return this.secrets.rotate(auth.orgId, actor, dto);
  }

  @Post('revoke-previous')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke every secret but the newest: from now on only the newest signs' })
  @ApiOkResponse({ type: SigningSecretList })
  revokePrevious(@Auth() auth: AuthContext, @Actor() actor: AuditActor): Promise<{ data: SigningSecretResponse[] }> {
    return this.secrets.revokePrevious(auth.orgId, actor);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke one secret (409 for the newest active one: rotate first)' })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiProblems(404, 409)
  revoke(@Auth() auth: AuthContext, @Actor() actor: AuditActor, @Param('id') id: string): Promise<void> {
    return this.secrets.revoke(auth.orgId, actor, id);
  }
}
