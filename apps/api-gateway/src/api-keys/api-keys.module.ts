import { Module } from '@nestjs/common';
import { AdminApiKeysController, ApiKeysController } from './api-keys.controller.js';
import { ApiKeysService } from './api-keys.service.js';
import { AuthModule } from '../auth/auth.module.js';

@Module({
  imports: [AuthModule],
  controllers: [AdminApiKeysController, ApiKeysController],
  providers: [ApiKeysService],
})
export class ApiKeysModule {}
