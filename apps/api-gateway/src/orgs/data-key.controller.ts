import { Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { ApiProblems } from '../docs/problem.js';
import { AdminRoute } from '../auth/auth.decorators.js';
import { DataKeyStatus } from './data-key.responses.js';
import { type DataKeyStatusResponse, DataKeyService } from './data-key.service.js';

@AdminRoute()
@Controller('v1/admin/orgs/:orgId/data-key')
export class DataKeyController {
  constructor(@Inject(DataKeyService) private readonly dataKeys: DataKeyService) {}

  @Get()
  @ApiOperation({ summary: "An organization's data-key versions (admin token)" })
  @ApiOkResponse({ type: DataKeyStatus })
  @ApiProblems(404)
  status(@Param('orgId') orgId: string): Promise<DataKeyStatusResponse> {
    return this.dataKeys.status(orgId);
  }

  @Post('rotate')
  @HttpCode(202)
  @ApiOperation({
    summary:
      "Rotate an organization's data key (admin token): a new version seals from now on; its older rows are " +
      're-sealed in the background, then the older versions are destroyed',
  })
  @ApiAcceptedResponse({ type: DataKeyStatus })
  @ApiProblems(404, 409)
  rotate(@Param('orgId') orgId: string): Promise<DataKeyStatusResponse> {
    return this.dataKeys.rotate(orgId);
  }
}
