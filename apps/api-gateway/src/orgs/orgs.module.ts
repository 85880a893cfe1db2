import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { AdminOrgsController, OrgController } from './orgs.controller.js';
import { OrgsService } from './orgs.service.js';
import { DataKeyController } from './data-key.controller.js';
import { DataKeyService } from './data-key.service.js';

@Module({
  imports: [AuthModule],
  controllers: [AdminOrgsController, DataKeyController, OrgController],
  providers: [OrgsService, DataKeyService],
})
export class OrgsModule {}
