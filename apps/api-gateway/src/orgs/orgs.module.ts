import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { AdminOrgsController, OrgController } from './orgs.controller.js';
import { OrgsService } from './orgs.service.js';

@Module({ imports: [AuthModule], controllers: [AdminOrgsController, OrgController], providers: [OrgsService] })
export class OrgsModule {}
