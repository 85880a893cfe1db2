import { Module } from '@nestjs/common';
import { AdminOrgsController, OrgController } from './orgs.controller.js';
import { OrgsService } from './orgs.service.js';

@Module({ controllers: [AdminOrgsController, OrgController], providers: [OrgsService] })
export class OrgsModule {}
